"""Guards and allow-lists used by the sandbox: what sandboxed code may read, call and write."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES


class Record(dict):
    """A dict whose keys can also be read as attributes (`record.title` == `record["title"]`)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        """Return the value stored under `name`."""
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"record has no field {name!r}") from None


_STR = frozenset(
    "capitalize casefold center count endswith find index isalnum isalpha isdecimal isdigit "
    "islower isnumeric isspace istitle isupper join ljust lower lstrip partition removeprefix "
    "removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines "
    "startswith strip swapcase title upper zfill".split()
)
_DICT = frozenset("get keys values items copy update pop setdefault clear".split())
_LIST = frozenset("append clear copy count extend index insert pop remove reverse sort".split())
_SET = frozenset(
    "add clear copy difference discard intersection isdisjoint issubset issuperset pop remove "
    "symmetric_difference union update".split()
)
_DATE = frozenset("year month day isoformat isoweekday weekday strftime replace toordinal".split())
_DATETIME = _DATE | frozenset(
    "hour minute second microsecond date time timestamp astimezone tzinfo utcoffset".split()
)

# Exact type -> readable attributes. Anything else (subclasses included) is refused.
ALLOWED_ATTRIBUTES: dict[type, frozenset[str]] = {
    str: _STR,
    dict: _DICT,
    Record: _DICT,
    list: _LIST,
    tuple: frozenset(("count", "index")),
    set: _SET,
    frozenset: _SET - {"add", "clear", "discard", "pop", "remove", "update"},
    int: frozenset(("real", "imag", "bit_length")),
    float: frozenset(("real", "imag", "is_integer")),
    date: _DATE,
    datetime: _DATETIME,
    timedelta: frozenset(("days", "seconds", "microseconds", "total_seconds")),
}

# Attributes readable on the helper classes themselves (`datetime.fromisoformat(...)`).
ALLOWED_CLASS_ATTRIBUTES: dict[type, frozenset[str]] = {
    datetime: frozenset(("fromisoformat", "strptime", "combine", "min", "max")),
    date: frozenset(("fromisoformat", "min", "max")),
    timedelta: frozenset(("min", "max")),
}


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """`obj.name` for sandboxed code: mapping keys first, then exact-type allow-listed attributes."""
    if type(name) is not str or name.startswith("_") or name in INSPECT_ATTRIBUTES:
        raise AttributeError(f"access to the attribute {name!r} is not allowed")
    kind = type(obj)
    if kind in (dict, Record) and name in obj:
        return obj[name]
    if kind is type and name in ALLOWED_CLASS_ATTRIBUTES.get(obj, ()):
        return getattr(obj, name)
    if name in ALLOWED_ATTRIBUTES.get(kind, ()):
        return getattr(obj, name)
    if kind in (dict, Record):
        raise AttributeError(f"the record has no field {name!r}")
    raise AttributeError(f"access to {kind.__name__}.{name} is not allowed")


_ITEM_TYPES = (dict, Record, list, tuple, str, range)


def guarded_getitem(obj: Any, key: Any) -> Any:
    """`obj[key]` for sandboxed code, on plain containers only."""
    if type(obj) not in _ITEM_TYPES:
        raise TypeError(f"item access on {type(obj).__name__} is not allowed")
    return obj[key]


def guarded_write(obj: Any) -> Any:
    """Allow item assignment (`d[k] = v`) on plain dicts and lists only."""
    if type(obj) in (dict, Record, list):
        return obj
    raise TypeError(f"changing a {type(obj).__name__} is not allowed")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "|=": operator.ior,
    "&=": operator.iand,
    "^=": operator.ixor,
}


def guarded_inplace(op: str, target: Any, value: Any) -> Any:
    """Implement `x op= y` for sandboxed code."""
    if op not in _INPLACE:
        raise TypeError(f"the operator {op} is not allowed")
    return _INPLACE[op](target, value)


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `func` with star-args (RestrictedPython routes `f(*a, **k)` here)."""
    return func(*args, **kwargs)


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date (UTC)."""
    return now().date()


def json_dumps(value: Any) -> str:
    """Serialize a value to JSON text."""
    return json.dumps(value, default=str, sort_keys=True)


def json_loads(text: str) -> Any:
    """Parse JSON text."""
    return json.loads(text)


_SAFE_BUILTINS = (
    abs,
    all,
    any,
    bool,
    chr,
    dict,
    divmod,
    enumerate,
    filter,
    float,
    frozenset,
    hash,
    int,
    isinstance,
    len,
    list,
    map,
    max,
    min,
    ord,
    range,
    repr,
    reversed,
    round,
    set,
    sorted,
    str,
    sum,
    tuple,
    zip,
)
_SAFE_EXCEPTIONS = (
    ArithmeticError,
    AssertionError,
    AttributeError,
    Exception,
    IndexError,
    KeyError,
    LookupError,
    NameError,
    RuntimeError,
    TypeError,
    ValueError,
    ZeroDivisionError,
)

BUILTINS: dict[str, Any] = {item.__name__: item for item in _SAFE_BUILTINS + _SAFE_EXCEPTIONS}
BUILTINS.update(
    datetime=datetime,
    date=date,
    timedelta=timedelta,
    now=now,
    today=today,
    json_dumps=json_dumps,
    json_loads=json_loads,
)

GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": guarded_write,
    "_inplacevar_": guarded_inplace,
    "_apply_": guarded_apply,
    "_print_": PrintCollector,
}
