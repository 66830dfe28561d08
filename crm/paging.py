"""Keyset pagination: `?limit=` and an opaque `?cursor=` naming the last row seen."""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_
from sqlalchemy.orm import Session

from errors import ValidationError
from org.models import MAX_ID

# NULLs sort as these, so (value, id) stays a total order on every database.
_NULL_AS = {"str": "", "decimal": -1e15, "ref": 0, "datetime": datetime(9999, 12, 31)}
_BAD_CURSOR = {"cursor": "Invalid cursor; use the `next` value"}


@dataclass
class Page:
    items: list
    next: str | None


def encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise ValidationError.from_fields({"cursor": "Invalid cursor; use the `next` value"}) from None
    if not isinstance(values, list) or len(values) != 2 or not _number(values[1], whole=True):
        raise ValidationError.from_fields(_BAD_CURSOR)
    return values


def _cursor_value(value: object, name: str, kind: str | None) -> object:
    """The cursor's sort value, checked against the column's type (a 422, never a 500)."""
    if name in ("created_at", "updated_at") or kind == "datetime":
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationError.from_fields(_BAD_CURSOR)
    if name == "id" or kind in ("decimal", "ref"):
        ok = _number(value, whole=kind != "decimal")
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ValidationError.from_fields(_BAD_CURSOR)
    return value


def _number(value: object, *, whole: bool) -> bool:
    """A JSON number the database can compare with (finite, within 64 bits)."""
    if whole:
        return type(value) is int and abs(value) <= MAX_ID
    return type(value) in (int, float) and math.isfinite(value) and abs(value) < 1e16


def sort_column(model: type, name: str, kind: str | None):
    col = getattr(model, name)
    if kind in _NULL_AS:
        return func.coalesce(col, _NULL_AS[kind])
    return col


def paginate(stmt: Select, model: type, sort: str, kind: str | None, limit: int, cursor: str | None,
             session: Session) -> Page:
    """Order by (sort column, id), continue after the cursor, fetch one extra to know `next`."""
    desc = sort.startswith("-")
    col = sort_column(model, sort.lstrip("-"), kind)
    if cursor:
        value, last_id = decode_cursor(cursor)
        value = _cursor_value(value, sort.lstrip("-"), kind)
        if desc:
            stmt = stmt.where(or_(col < value, and_(col == value, model.id < last_id)))
        else:
            stmt = stmt.where(or_(col > value, and_(col == value, model.id > last_id)))
    order = (col.desc(), model.id.desc()) if desc else (col.asc(), model.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    last_value = getattr(last, sort.lstrip("-"))
    if last_value is None and kind in _NULL_AS:
        last_value = _NULL_AS[kind]
    if hasattr(last_value, "is_finite"):  # Decimal
        last_value = float(last_value)
    return Page(rows, encode_cursor([last_value, last.id]))
