"""The JSON encoding of variables and values between the engine and its script workers.

Task data is JSON-clean already; the few richer values an expression can see or return
(dates, times, sets, tuples, `Record`s, Decimals) travel as `{"$t": kind, "v": ...}` so
a worker sees exactly what an in-process evaluation would. JSON, not pickle, in both
directions: a worker runs uploaded code, so what it sends back must not be able to run code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from engine.spiff.sandbox_guards import Record

TAG = "$t"


class WireError(ValueError):
    """A value cannot travel to or from a script worker."""


def _tagged(kind: str, value: Any) -> dict[str, Any]:
    """A tagged value."""
    return {TAG: kind, "v": value}


def encode(value: Any) -> Any:
    """`value` as JSON-compatible data, richer types tagged; raise WireError for anything else."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else _tagged("float", repr(value))
    if kind is list:
        return [encode(item) for item in value]
    if kind in (dict, Record):
        if all(type(key) is str for key in value) and TAG not in value:
            plain = {key: encode(item) for key, item in value.items()}
            return plain if kind is dict else _tagged("record", plain)
        pairs = [[encode(key), encode(item)] for key, item in value.items()]
        return _tagged("items" if kind is dict else "record_items", pairs)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        raise WireError(f"a value of type {kind.__name__} cannot be passed to a script worker")
    return _tagged(kind.__name__, encoder(value))


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    tuple: lambda v: [encode(item) for item in v],
    set: lambda v: [encode(item) for item in v],
    frozenset: lambda v: [encode(item) for item in v],
    datetime: datetime.isoformat,
    date: date.isoformat,
    time: time.isoformat,
    timedelta: lambda v: [v.days, v.seconds, v.microseconds],
    Decimal: str,
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "record": lambda v: Record({key: decode(item) for key, item in v.items()}),
    "items": lambda v: {decode(k): decode(item) for k, item in v},
    "record_items": lambda v: Record({decode(k): decode(item) for k, item in v}),
    "tuple": lambda v: tuple(decode(item) for item in v),
    "set": lambda v: {decode(item) for item in v},
    "frozenset": lambda v: frozenset(decode(item) for item in v),
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "Decimal": Decimal,
}


def decode(data: Any) -> Any:
    """The value `encode` was given."""
    if isinstance(data, list):
        return [decode(item) for item in data]
    if isinstance(data, dict):
        if TAG in data:
            decoder = _DECODERS.get(data[TAG])
            if decoder is None:
                raise WireError(f"unknown wire type {data[TAG]!r}")
            return decoder(data["v"])
        return {key: decode(item) for key, item in data.items()}
    return data


def encode_variables(variables: dict[str, Any]) -> dict[str, Any]:
    """Encode a scope, leaving out what cannot travel (functions and other host objects)."""
    found: dict[str, Any] = {}
    for name, value in variables.items():
        try:
            found[name] = encode(value)
        except (WireError, RecursionError):
            continue
    return found


def dumps(message: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def loads(line: bytes) -> dict[str, Any]:
    """Parse one protocol line."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise WireError("a protocol message must be an object")
    return message
