"""EL 2.2 operators (spec sections 1.7 to 1.9): arithmetic, relational and equality rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from engine.spiff.juel.coercion import (
    is_floaty,
    is_number,
    to_boolean,
    to_double,
    to_long,
    to_string,
    wrap_long,
)
from engine.spiff.juel.errors import JuelError, java_type

_LONG_OPS: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}


def arithmetic(operator: str, left: Any, right: Any) -> Any:
    """`+ - * / %`: numeric only (`+` never joins strings); null counts as 0."""
    if left is None and right is None:
        return 0
    if operator == "/":
        return _divide(to_double(left), to_double(right))
    if operator == "%":
        return _remainder(left, right)
    if is_floaty(left) or is_floaty(right):
        a, b = to_double(left), to_double(right)
        return a + b if operator == "+" else a - b if operator == "-" else a * b
    return wrap_long(_LONG_OPS[operator](to_long(left), to_long(right)))


def _divide(a: float, b: float) -> float:
    """Double division: x/0 is Infinity (or NaN), as in Java."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _remainder(left: Any, right: Any) -> Any:
    """`%`: Double when either side is floaty, else Long; the sign follows the dividend (Java)."""
    if is_floaty(left) or is_floaty(right):
        a, b = to_double(left), to_double(right)
        return math.nan if b == 0 or math.isinf(a) else math.fmod(a, b)
    a, b = to_long(left), to_long(right)
    if b == 0:
        raise JuelError("division by zero in '%' (mod)")
    remainder = abs(a) % abs(b)
    return remainder if a >= 0 else -remainder


def negate(value: Any) -> Any:
    """Unary minus: null is 0, a String is parsed as a number."""
    if value is None:
        return 0
    if isinstance(value, str):
        return -to_double(value) if is_floaty(value) else wrap_long(-to_long(value))
    if isinstance(value, float):
        return -value
    if is_number(value):
        return wrap_long(-value)
    raise JuelError(f"Cannot apply '-' to {to_string(value)!r} of type {java_type(value)}")


def _doubles(left: Any, right: Any) -> bool:
    """Compare as Double: a Double on either side, or a number against decimal text.

    Flowdesk stores decimal fields as text (`"1500.00"`) where Camunda keeps a BigDecimal,
    which EL compares numerically; so decimal text meeting a number compares as a Double.
    """
    if isinstance(left, float) or isinstance(right, float):
        return True
    return (is_number(left) or is_number(right)) and (is_floaty(left) or is_floaty(right))


def compare(operator: str, left: Any, right: Any) -> bool:
    """`< > <= >=`: false with null; Double, then Long, then String comparison, then natural order."""
    if left is None or right is None:
        return False
    if _doubles(left, right):
        a, b = to_double(left), to_double(right)
    elif is_number(left) or is_number(right):
        a, b = to_long(left), to_long(right)
    elif isinstance(left, str) or isinstance(right, str):
        a, b = to_string(left), to_string(right)
    elif type(left) is type(right) and not isinstance(left, (list, tuple, dict)):
        a, b = left, right  # booleans, dates: their natural (Comparable) order
    else:
        raise JuelError(f"Cannot compare {java_type(left)} with {java_type(right)} using '{operator}'")
    try:
        return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator])
    except TypeError as exc:
        raise JuelError(f"Cannot compare {java_type(left)} with {java_type(right)}") from exc


def equals(left: Any, right: Any) -> bool:
    """`==`: null only equals null; Double, Long, Boolean, then String coercion; else equality."""
    if left is None or right is None:
        return left is None and right is None
    if _doubles(left, right):
        return to_double(left) == to_double(right)
    if is_number(left) or is_number(right):
        return to_long(left) == to_long(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_string(left) == to_string(right)
    return bool(left == right)
