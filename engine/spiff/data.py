"""JSON-clean task data: what forms, services and scripts may store in a process instance."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

RESERVED_KEY = "typename"
MAX_DEPTH = 64
_PLAIN = frozenset((str, bool, int))  # exactly these types are returned as they are


class DataError(ValueError):
    """A value cannot be stored as task data."""


def json_clean(value: Any, _depth: int = 0) -> Any:
    """Return `value` as plain JSON types (sets→lists, Decimal/dates/UUID→str) or raise DataError."""
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError(f"{value!r} is not a valid JSON number")
        return float(value)
    if _depth > MAX_DEPTH:
        raise DataError(f"data is nested deeper than {MAX_DEPTH} levels")
    return _clean_composite(value, _depth + 1)


def _clean_composite(value: Any, depth: int) -> Any:
    """Clean containers and the few non-JSON scalars we convert to strings."""
    if isinstance(value, dict):
        # plain string keys and scalars inline: task data is mostly clean already, and this
        # runs over every variable several times per step
        return {
            key if type(key) is str and key != RESERVED_KEY else _clean_key(key):
            item if item is None or type(item) in _PLAIN else json_clean(item, depth)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [item if item is None or type(item) in _PLAIN else json_clean(item, depth) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [json_clean(item, depth) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise DataError(f"a value of type {type(value).__name__} cannot be stored as process data")


def _clean_key(key: Any) -> str:
    """Return a dictionary key as a string, refusing the serializer's reserved key."""
    if isinstance(key, bool) or not isinstance(key, (str, int, float)):
        raise DataError(f"data keys must be strings, not {type(key).__name__}")
    key = str(key)
    if key == RESERVED_KEY:
        raise DataError(f"the key {RESERVED_KEY!r} is reserved by the engine's serializer")
    return key


def clean_mapping(data: Any) -> dict[str, Any]:
    """Clean a mapping of variables (top-level task data)."""
    if not isinstance(data, dict):
        raise DataError(f"expected a mapping of variables, got {type(data).__name__}")
    return json_clean(data)
