"""Input expressions and output entries: JUEL (Camunda 7's default) over the engine's own evaluator.

`amount`, `customer.age`, `amount * 2`, `"text"`, `10` and `${...}` all work; a FEEL
`date and time("...")` literal is read as a date. Each text is compiled once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from engine.dmn.feel import as_datetime, temporal
from engine.spiff.juel import JuelError, compile_template, has_expression
from engine.spiff.juel.evaluator import Evaluator
from engine.spiff.juel.nodes import Identifier, Literal
from engine.spiff.juel.parser import parse

_TEMPORAL = re.compile(r'\s*(date\s+and\s+time|date)\s*\(\s*"[^"]*"\s*\)\s*')
MAX_TEXT = 4000

Expression = Callable[[Mapping[str, Any]], Any]


def compile_expression(text: str | None) -> Expression:
    """`fn(variables) -> value` for an input expression or output entry (JuelError when invalid)."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise JuelError(f"longer than {MAX_TEXT} characters")
    if not text:
        return lambda variables: None
    if _TEMPORAL.fullmatch(text):
        value = temporal(text)
        return lambda variables: value
    if has_expression(text):
        template = compile_template(text)
        return lambda variables: template.value(variables)
    node = parse(text)
    if isinstance(node, Literal):
        constant = node.value
        return lambda variables: constant
    if isinstance(node, Identifier) and node.name != "execution":
        return _variable(node.name)

    def evaluate(variables: Mapping[str, Any]) -> Any:
        try:
            return Evaluator(text, variables).value(node)
        except (TypeError, ValueError, LookupError, ArithmeticError, RecursionError) as exc:
            raise JuelError(f"{text}: {type(exc).__name__}: {exc}") from exc

    return evaluate


def _variable(name: str) -> Expression:
    """A plain name: the variable (an error naming it when it is not set, as JUEL does)."""
    def read(variables: Mapping[str, Any]) -> Any:
        try:
            return variables[name]
        except KeyError:
            raise JuelError(f"Unknown property used in expression: {name}. "
                            f"Cause: Cannot resolve identifier '{name}'") from None

    return read


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise ValueError(f"{value!r} is not an integer")


def _double(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def _string(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError(f"{value!r} is not a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _number(value: Any) -> int | float:
    return value if isinstance(value, int) and not isinstance(value, bool) else _double(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": _string, "integer": _integer, "long": _integer, "double": _double, "number": _number,
    "boolean": _boolean, "date": as_datetime,
}


def convert(value: Any, type_ref: str) -> Any:
    """A value as the column's typeRef says (Camunda's data type transformers); null stays null."""
    if value is None or not type_ref:
        return value
    return CONVERTERS[type_ref](value)


def check_type_ref(type_ref: str) -> None:
    """ValueError for a typeRef the engine does not know."""
    if type_ref and type_ref not in CONVERTERS:
        raise ValueError(f"unknown typeRef {type_ref!r}; use one of {', '.join(CONVERTERS)}")
