"""The Java methods JUEL may call: common String methods, List/Map methods, and `execution`.

Arguments are coerced the way Java's signatures would have them (String parameters take
the EL String coercion, int parameters the Long coercion). Anything else is refused:
there is no reflection, so `getClass()` and friends do not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.spiff.juel.coercion import to_long, to_string
from engine.spiff.juel.errors import JuelError, java_type

MAX_TEXT = 1_000_000

Method = tuple[int, int, Callable[..., Any]]  # (fewest arguments, most arguments, implementation)


def _substring(text: str, begin: Any, end: Any = None) -> str:
    """String.substring with Java's bounds check."""
    first, last = to_long(begin), len(text) if end is None else to_long(end)
    if first < 0 or last > len(text) or first > last:
        raise JuelError(f"substring({first}, {last}) is out of range for a String of length {len(text)}")
    return text[first:last]


def _capped(text: str) -> str:
    """Refuse results that would grow without bound (nested replace/concat)."""
    if len(text) > MAX_TEXT:
        raise JuelError(f"the text would be longer than {MAX_TEXT} characters")
    return text


def _java_equals(a: Any, b: Any) -> bool:
    """Object.equals: same type and same value (no coercion)."""
    return type(a) is type(b) and a == b if not isinstance(a, (dict, list)) else a == b


STRING: dict[str, Method] = {
    "equals": (1, 1, _java_equals),
    "equalsIgnoreCase": (1, 1, lambda s, o: isinstance(o, str) and s.casefold() == o.casefold()),
    "contains": (1, 1, lambda s, o: to_string(o) in s),
    "startsWith": (1, 1, lambda s, o: s.startswith(to_string(o))),
    "endsWith": (1, 1, lambda s, o: s.endswith(to_string(o))),
    "toUpperCase": (0, 0, str.upper),
    "toLowerCase": (0, 0, str.lower),
    "length": (0, 0, len),
    "trim": (0, 0, lambda s: s.strip("".join(chr(c) for c in range(33)))),
    "substring": (1, 2, _substring),
    "indexOf": (1, 1, lambda s, o: s.find(to_string(o))),
    "lastIndexOf": (1, 1, lambda s, o: s.rfind(to_string(o))),
    "isEmpty": (0, 0, lambda s: s == ""),
    "concat": (1, 1, lambda s, o: _capped(s + to_string(o))),
    "replace": (2, 2, lambda s, a, b: _capped(s.replace(to_string(a), to_string(b)))),
    "toString": (0, 0, lambda s: s),
}


def _list_get(items: Any, index: Any) -> Any:
    """List.get with Java's bounds check."""
    position = to_long(index)
    if not 0 <= position < len(items):
        raise JuelError(f"index {position} is out of range for a List of size {len(items)}")
    return items[position]


def _index_of(items: Any, value: Any) -> int:
    """List.indexOf."""
    return next((i for i, item in enumerate(items) if _java_equals(item, value)), -1)


LIST: dict[str, Method] = {
    "size": (0, 0, len),
    "isEmpty": (0, 0, lambda items: len(items) == 0),
    "contains": (1, 1, lambda items, value: _index_of(items, value) >= 0),
    "get": (1, 1, _list_get),
    "indexOf": (1, 1, _index_of),
    "toString": (0, 0, to_string),
}

MAP: dict[str, Method] = {
    "size": (0, 0, len),
    "isEmpty": (0, 0, lambda mapping: len(mapping) == 0),
    "containsKey": (1, 1, lambda mapping, key: key in mapping),
    "contains": (1, 1, lambda mapping, key: key in mapping),
    "containsValue": (1, 1, lambda mapping, value: any(_java_equals(v, value) for v in mapping.values())),
    "get": (1, 1, lambda mapping, key: mapping.get(key)),
    "keySet": (0, 0, lambda mapping: list(mapping)),
    "values": (0, 0, lambda mapping: list(mapping.values())),
    "toString": (0, 0, to_string),
}

OTHER: dict[str, Method] = {
    "equals": (1, 1, _java_equals),
    "toString": (0, 0, to_string),
}


def table_for(value: Any) -> dict[str, Method]:
    """The methods callable on `value`."""
    if isinstance(value, str):
        return STRING
    if isinstance(value, Mapping):
        return {**MAP, "equals": OTHER["equals"]}
    if isinstance(value, (list, tuple)):
        return {**LIST, "equals": OTHER["equals"]}
    return OTHER


def call_method(value: Any, name: str, arguments: list[Any]) -> Any:
    """Call `value.name(arguments)` from the tables, or fail like JUEL's 'Method not found'."""
    if value is None:
        raise JuelError(f"Cannot call method '{name}' on null")
    method = table_for(value).get(name)
    if method is None or not method[0] <= len(arguments) <= method[1]:
        count = len(arguments)
        raise JuelError(
            f"Method not found: {java_type(value)}.{name}() with {count} argument{'s' * (count != 1)}"
        )
    return method[2](value, *arguments)
