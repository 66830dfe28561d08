"""Camunda 7 REST for decisions: `POST /engine-rest/decision-definition/key/{key}/evaluate`.

Variables come typed as Camunda sends them (`{"x": {"value": 1, "type": "Integer"}}`); the
answer is Camunda's list of rule results, each output typed. Authentication and Camunda's error
shape come from the /engine-rest blueprint (web/engine_rest/__init__.py).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import g, jsonify, request

from engine.decisions import evaluate_decision
from errors import ValidationError
from web.engine_rest import engine_rest

INT_RANGE = range(-(2**31), 2**31)


@engine_rest.post("/decision-definition/key/<key>/evaluate")
def evaluate_by_key(key: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("Send a JSON object with Content-Type: application/json")
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValidationError.from_fields({"variables": "Expected an object of typed variables"})
    values = {name: untyped(name, item) for name, item in variables.items()}
    result = evaluate_decision(key, values, g.actor, as_json=False)
    return jsonify([{name: typed(value) for name, value in item.items()} for item in result])


def untyped(name: str, item: Any) -> Any:
    """A Camunda typed value as a plain value (422 naming the variable when it does not fit)."""
    if not isinstance(item, dict):
        raise ValidationError.from_fields({f"variables.{name}": 'Expected {"value": ..., "type": ...}'})
    value, kind = item.get("value"), str(item.get("type") or "").lower()
    try:
        return _CONVERT.get(kind, lambda v: v)(value) if value is not None else None
    except (TypeError, ValueError) as exc:
        raise ValidationError.from_fields({f"variables.{name}": f"Not a {item.get('type')}: {exc}"}) from exc


def _integer(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(repr(value))
    return int(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(repr(value))


def _date(value: Any) -> datetime:
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # Camunda's +0200
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_CONVERT = {
    "integer": _integer, "long": _integer, "short": _integer, "double": float, "string": str,
    "boolean": _boolean, "date": _date, "json": _json, "object": _json, "null": lambda v: None,
}


def typed(value: Any) -> dict[str, Any]:
    """A plain value as Camunda types it in answers."""
    if value is None:
        return {"value": None, "type": "Null", "valueInfo": {}}
    if isinstance(value, bool):
        return {"value": value, "type": "Boolean", "valueInfo": {}}
    if isinstance(value, int):
        return {"value": value, "type": "Integer" if value in INT_RANGE else "Long", "valueInfo": {}}
    if isinstance(value, float):
        return {"value": value, "type": "Double", "valueInfo": {}}
    if isinstance(value, str):
        return {"value": value, "type": "String", "valueInfo": {}}
    if isinstance(value, datetime):  # Camunda's date format: 2024-02-01T10:00:00.000+0000
        return {"value": value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000",
                "type": "Date", "valueInfo": {}}
    return {"value": json.dumps(value), "type": "Json", "valueInfo": {}}
