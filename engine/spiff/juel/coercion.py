"""EL 2.2 type coercion (spec section 1.18) on Python values: bool is Boolean, int is Long,
float is Double, str is String, dict is Map, list/tuple is List, None is null."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.spiff.juel.errors import JuelError, java_type

_LONG = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"\s*[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?\s*")


def is_number(value: Any) -> bool:
    """Long or Double (a Python bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_floaty(value: Any) -> bool:
    """EL's test for Double arithmetic: a Double, or a String containing '.', 'e' or 'E'."""
    if isinstance(value, float):
        return True
    return isinstance(value, str) and any(char in value for char in ".eE")


def wrap_long(value: int) -> int:
    """Overflow like a Java long."""
    return (value + 2**63) % 2**64 - 2**63


def _cannot(value: Any, target: str) -> JuelError:
    """The coercion error."""
    shown = f"'{value}'" if isinstance(value, str) else to_string(value)
    return JuelError(f"Cannot coerce {shown} of type {java_type(value)} to {target}")


def to_long(value: Any) -> int:
    """Coerce to Long: null and '' are 0, Double truncates, String must be an integer."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise _cannot(value, "Long")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return 0 if math.isnan(value) else (2**63 - 1 if value > 0 else -(2**63))
        return wrap_long(int(value))
    if isinstance(value, str) and _LONG.fullmatch(value):
        return wrap_long(int(value))
    raise _cannot(value, "Long")


def to_double(value: Any) -> float:
    """Coerce to Double: null and '' are 0.0, String must be a number."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise _cannot(value, "Double")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _DOUBLE.fullmatch(value):
        text = value.strip().rstrip("fFdD").replace("Infinity", "inf")
        return float(text)
    raise _cannot(value, "Double")


def to_boolean(value: Any) -> bool:
    """Coerce to Boolean: null and '' are false, a String is true only when it is 'true' (any case)."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise _cannot(value, "Boolean")


def java_double(value: float) -> str:
    """Double.toString: `1.0`, `0.001`, `1.0E7`, `NaN`, `Infinity` (shortest digits, like Java)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)  # Python's shortest repr has no exponent in this range
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + int(exponent)
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def to_string(value: Any) -> str:
    """Coerce to String: null is '', booleans are 'true'/'false', collections like Java's toString."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{to_string(k)}={_element(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_element(v) for v in value) + "]"
    return str(value)


def _element(value: Any) -> str:
    """An element inside a collection's text (Java prints null as 'null' there)."""
    return "null" if value is None else to_string(value)


def is_empty(value: Any) -> bool:
    """The `empty` operator: null, '', and empty lists and maps."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set, frozenset)) or isinstance(value, Mapping):
        return len(value) == 0
    return False
