"""User-task forms: check completion data against the form fields, per field, JSON-clean.

A field is a dict as stored on `human_task.form`: {id, type (string|long|boolean|date|enum),
label, default, required, options: [{id, name}], min, max, minlength, maxlength, readonly}.
For `long` min/max bound the value, for `string` they bound the length (as do
minlength/maxlength), for `date` they are ISO dates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

TYPES = ("string", "long", "boolean", "date", "enum")
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}
MAX_STRING = 10_000
LONG_RANGE = 2**63


class FieldError(ValueError):
    """A value that a form field refuses; the message is shown next to the field."""


@dataclass
class FormResult:
    """The cleaned values (every field of the form) and the errors by field id."""

    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_form(fields: list[dict], data: object) -> dict[str, str]:
    """The per-field errors of `data` against `fields` (empty when valid)."""
    return clean_form(fields, data).errors


def clean_form(fields: list[dict], data: object) -> FormResult:
    """Check and coerce `data`; fields left out get their default (or None)."""
    out = FormResult()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        out.errors["data"] = "Expected an object of form values"
        return out
    known = {str(f.get("id")) for f in fields}
    for key in data:
        if key not in known:
            out.errors[str(key)] = "Unknown field"
    for spec in fields:
        name = str(spec.get("id"))
        try:
            out.values[name] = _field_value(spec, data)
        except FieldError as exc:
            out.errors[name] = str(exc)
    if out.errors:
        out.values = {}
    return out


def _field_value(spec: dict, data: dict) -> object:
    name = str(spec.get("id"))
    present = name in data and not _blank(data[name])
    if spec.get("readonly") and name in data and not _blank(data[name]):
        if coerce_value(spec, data[name]) != coerce_default(spec):
            raise FieldError("This field is read-only")
    if not present:
        if spec.get("required"):
            raise FieldError("This field is required")
        return coerce_default(spec)
    value = coerce_value(spec, data[name])
    _check_bounds(spec, value)
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce_default(spec: dict) -> object:
    """The field's default as a typed value, or None when it has none (or a bad one)."""
    default = spec.get("default")
    if _blank(default):
        return None
    try:
        return coerce_value(spec, default)
    except FieldError:
        return None


def coerce_value(spec: dict, raw: object) -> object:
    """Convert one submitted value to the field's JSON type, or raise FieldError."""
    kind = spec.get("type") or "string"
    if kind == "string":
        return _string(raw)
    if kind == "long":
        return _long(raw)
    if kind == "boolean":
        return _boolean(raw)
    if kind == "date":
        return _date(raw).isoformat()
    if kind == "enum":
        return _enum(spec, raw)
    raise FieldError(f"Unsupported field type {kind!r}")


def _string(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise FieldError("Expected text")
    value = str(raw)
    if len(value) > MAX_STRING:
        raise FieldError(f"At most {MAX_STRING} characters")
    return value


def _long(raw: object) -> int:
    if isinstance(raw, bool):
        raise FieldError("Expected a whole number")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise FieldError("Expected a whole number")
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if not text.lstrip("+-").isdigit():
            raise FieldError("Expected a whole number")
        raw = int(text)
    if not isinstance(raw, int):
        raise FieldError("Expected a whole number")
    if abs(raw) >= LONG_RANGE:
        raise FieldError("Number out of range")
    return raw


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise FieldError("Expected true or false")


def _date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise FieldError("Expected a date such as 2024-12-31")
    text = raw.strip()
    try:
        if "/" in text:  # Camunda's own date format, dd/MM/yyyy
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] == "T" else text)
    except ValueError:
        raise FieldError("Expected a date such as 2024-12-31") from None


def _enum(spec: dict, raw: object) -> str:
    ids = [str(o.get("id")) for o in spec.get("options") or []]
    value = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if value not in ids:
        raise FieldError(f"Must be one of {', '.join(ids)}")
    return value


def _check_bounds(spec: dict, value: object) -> None:
    kind = spec.get("type") or "string"
    if kind == "long":
        low, high = _number(spec.get("min")), _number(spec.get("max"))
        if low is not None and value < low:
            raise FieldError(f"At least {low:g}")
        if high is not None and value > high:
            raise FieldError(f"At most {high:g}")
    elif kind in ("string", "enum"):
        low = _number(spec.get("minlength", spec.get("min")))
        high = _number(spec.get("maxlength", spec.get("max")))
        if low is not None and len(value) < low:
            raise FieldError(f"At least {low:g} characters")
        if high is not None and len(value) > high:
            raise FieldError(f"At most {high:g} characters")
    elif kind == "date":
        _check_date_bounds(spec, value)


def _check_date_bounds(spec: dict, value: str) -> None:
    for key, ok, word in (("min", lambda v, b: v >= b, "On or after"),
                          ("max", lambda v, b: v <= b, "On or before")):
        bound = spec.get(key)
        if _blank(bound):
            continue
        try:
            limit = _date(bound).isoformat()
        except FieldError:
            continue
        if not ok(value, limit):
            raise FieldError(f"{word} {limit}")


def _number(raw: object) -> float | None:
    if _blank(raw) or isinstance(raw, bool):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None
