"""Keyset pagination: `?limit=` and an opaque `?cursor=` naming the last row seen (or `before=`
naming the first row seen, to go back a page); `count_rows` counts the same filtered query."""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, literal_column, or_, select
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
    prev: str | None = None  # the `before` cursor of the page before, None on the first page


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
             session: Session, before: str | None = None) -> Page:
    """Order by (sort column, id), continue after the cursor (or go back before `before`), fetch
    one extra row to know whether there is a page further on."""
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    col = sort_column(model, name, kind)
    back = bool(before) and not cursor
    mark = cursor or (before if back else None)
    if mark:
        value, last_id = decode_cursor(mark)
        value = _cursor_value(value, name, kind)
        later = desc == back  # rows after the mark in the walking direction
        stmt = stmt.where(or_(col > value, and_(col == value, model.id > last_id)) if later
                          else or_(col < value, and_(col == value, model.id < last_id)))
    walk_desc = desc != back  # going back walks the order in reverse
    order = (col.desc(), model.id.desc()) if walk_desc else (col.asc(), model.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if back:
        rows.reverse()
        return Page(rows, _cursor_of(rows[-1], name, kind) if rows else None,
                    _cursor_of(rows[0], name, kind) if more else None)
    return Page(rows, _cursor_of(rows[-1], name, kind) if more else None,
                _cursor_of(rows[0], name, kind) if cursor and rows else None)


def _cursor_of(row: object, name: str, kind: str | None) -> str:
    """The cursor naming one row by its (sort value, id)."""
    value = getattr(row, name)
    if value is None and kind in _NULL_AS:
        value = _NULL_AS[kind]
    if hasattr(value, "is_finite"):  # Decimal
        value = float(value)
    return encode_cursor([value, row.id])


def count_rows(stmt: Select, session: Session, cap: int | None = None) -> int:
    """How many rows the (access-filtered) query holds: a COUNT over it, without its order. With
    a cap, counting stops after cap + 1 rows (a result above the cap means "more than cap")."""
    # Only a constant per row: the database counts from an index instead of reading every row.
    stmt = stmt.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
    if cap is not None:
        stmt = stmt.limit(cap + 1)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
