"""Camunda's typed variables (`{"x": {"value": 1, "type": "Integer"}}`) to and from plain JSON values."""
from __future__ import annotations

import json
from typing import Any

from errors import ValidationError

_PLAIN = {"string", "integer", "long", "short", "double", "boolean", "date", "null", "number"}
_JSON = {"json", "object"}


def _plain_value(name: str, item: Any) -> Any:
    """One typed variable's value; raises ValueError with the reason."""
    if not isinstance(item, dict) or "value" not in item and (item.get("type") or "").lower() != "null":
        raise ValueError('Expected {"value": ..., "type": ...}')
    kind, value = (item.get("type") or "").lower(), item.get("value")
    if kind in _JSON and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(f"The {item.get('type')} value is not valid JSON") from None
    if kind and kind not in _PLAIN | _JSON:
        raise ValueError(f"Unsupported type {item.get('type')!r} (String, Integer, Long, Double, "
                         "Boolean, Date, Null, Json, Object)")
    if kind in {"integer", "long", "short"} and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"Expected a whole number for type {item.get('type')}")
    return None if kind == "null" else value


def to_plain(variables: Any, field: str = "variables") -> dict[str, Any]:
    """Typed variables as a plain dict; 400 naming each bad variable (`variables.x`)."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationError.from_fields({field: "Expected an object of typed variables"})
    plain, bad = {}, {}
    for name, item in variables.items():
        try:
            plain[str(name)] = _plain_value(name, item)
        except ValueError as exc:
            bad[f"{field}.{name}"] = str(exc)
    if bad:
        raise ValidationError.from_fields(bad)
    return plain


def typed(value: Any) -> dict[str, Any]:
    """One plain value in Camunda's typed form (objects and lists as Json)."""
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if -(2**31) <= value < 2**31 else "Long"
        return {"type": kind, "value": value, "valueInfo": {}}
    if isinstance(value, float):
        return {"type": "Double", "value": value, "valueInfo": {}}
    if isinstance(value, str):
        return {"type": "String", "value": value, "valueInfo": {}}
    return {"type": "Json", "value": json.dumps(value), "valueInfo": {}}


def to_typed(variables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain variables in Camunda's typed form."""
    return {name: typed(value) for name, value in variables.items()}
