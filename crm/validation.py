"""Turn submitted data into column values, collecting an error per field."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from crm.entities import REGISTRY, Entity, Field
from crm.models import Pipeline, StatusValue
from crm.states import FieldKind
from extensions import db
from org.models import User, valid_id

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")


class Cleaned:
    """Values to set, the e-mail list (or None when untouched), and errors."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.emails: list[str] | None = None
        self.errors: dict[str, str] = {}


def clean(spec: Entity, data: dict, *, partial: bool) -> Cleaned:
    out = Cleaned()
    if not isinstance(data, dict):
        out.errors["_"] = "Expected a JSON object"
        return out
    known = {f.name for f in spec.fields}
    for name in data:
        if name not in known:
            out.errors[name] = "Unknown field"
    for f in spec.fields:
        if f.name not in data:
            if f.required and not partial:
                out.errors[f.name] = "This field is required"
            continue
        try:
            value = _convert(spec, f, data[f.name])
        except ValueError as exc:
            out.errors[f.name] = str(exc)
            continue
        if f.kind == FieldKind.EMAILS:
            out.emails = value
        else:
            out.values[f.name] = value
    return out


def _convert(spec: Entity, f: Field, raw: object) -> object:
    if f.kind in (FieldKind.STR, FieldKind.TEXT, FieldKind.CURRENCY):
        return _text(f, raw)
    if f.kind == FieldKind.DECIMAL:
        return _decimal(raw)
    if f.kind == FieldKind.REF:
        return _ref(f, raw)
    if f.kind == FieldKind.EMAILS:
        return _emails(raw)
    if f.kind == FieldKind.PHONES:
        return _phones(raw)
    if f.kind == FieldKind.STATUS:
        return _status(spec.name, raw)
    if f.kind == FieldKind.BOOL:
        return parse_bool(raw)
    raise ValueError(f"Unsupported field kind {f.kind}")


def _text(f: Field, raw: object) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise ValueError("Expected text")
    value = str(raw).strip()
    if f.required and not value:
        raise ValueError("This field is required")
    if f.kind == FieldKind.CURRENCY:
        value = value.upper()
        if value and not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("Use a three-letter currency code such as EUR")
    if f.max_length and len(value) > f.max_length:
        raise ValueError(f"At most {f.max_length} characters")
    return value


def _decimal(raw: object) -> Decimal | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        raise ValueError("Expected a number")
    try:
        value = Decimal(str(raw).replace(",", ".").strip())
    except InvalidOperation:
        raise ValueError("Expected a number") from None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise ValueError("Number out of range")
    return value.quantize(Decimal("0.01"))


def _ref(f: Field, raw: object) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit():
        raise ValueError("Expected an id")
    ref_id = int(raw)
    if not valid_id(ref_id):
        raise ValueError(f"No {f.ref} {ref_id}")
    model = {"user": User, "pipeline": Pipeline}.get(f.ref) or REGISTRY[f.ref].model
    row = db.session.get(model, ref_id)
    if row is None or (f.ref == "user" and (row.is_system or not row.active)):
        raise ValueError(f"No {f.ref} {ref_id}")
    return ref_id


def parse_bool(raw: object) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case; empty is false); ValueError otherwise."""
    if isinstance(raw, bool):
        return raw
    text = str(raw if raw is not None else "").strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValueError("Expected true or false")


def _list(raw: object) -> list:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [p for p in re.split(r"[,;\n]", raw) if p.strip()]
    if not isinstance(raw, list):
        raise ValueError("Expected a list")
    return raw


def _emails(raw: object) -> list[str]:
    result: list[str] = []
    for item in _list(raw):
        email = str(item).strip().lower()
        if not EMAIL_RE.match(email) or len(email) > 320:
            raise ValueError(f"Not an e-mail address: {item}")
        if email not in result:
            result.append(email)
    return result


def _phones(raw: object) -> list[str]:
    result: list[str] = []
    for item in _list(raw):
        phone = str(item).strip()
        if not PHONE_RE.match(phone):
            raise ValueError(f"Not a phone number: {item}")
        result.append(phone)
    return result


def status_codes(entity: str) -> list[str]:
    query = select(StatusValue.code).where(StatusValue.entity == entity)
    return list(db.session.scalars(query.order_by(StatusValue.sort)))


def _status(entity: str, raw: object) -> str:
    code = str(raw or "").strip().upper()
    codes = status_codes(entity)
    if code not in codes:
        raise ValueError(f"Must be one of {', '.join(codes)}")
    return code
