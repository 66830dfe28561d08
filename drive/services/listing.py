"""Paged folder listings: folders first, then by name and id (a total order), with a keyset cursor.

Only children whose own entries take the right away can be unreadable (the folder itself is
readable and children inherit from it), so those few are found up front and left out in SQL:
every page is full, and the total is one COUNT minus them.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from sqlalchemy import Row, false, func, literal, select, true, tuple_

from drive import rights
from drive.models import DriveItem
from drive.services.items import get_item
from errors import ValidationError
from extensions import db
from org.actors import Actor

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_BAD_CURSOR = {"cursor": "Invalid cursor; use the `next` value of the page before"}
# Every column but the deferred search text: plain rows list a large folder in a third of the time.
COLUMNS = [c for c in DriveItem.__table__.columns if c.name != "text"]


@dataclass
class FolderPage:
    """One page of a folder's children the actor may read, with their levels."""

    folder: DriveItem
    level: int
    rows: list[tuple[Row, int]]
    total: int
    next: str | None


def parse_limit(raw: object, default: int = DEFAULT_LIMIT) -> int:
    """`?limit=`: 1..MAX_LIMIT (larger values are capped), 422 for anything but a whole number."""
    if raw is None or raw == "":
        return default
    text = str(raw)
    if not text.isdigit() or int(text) < 1:
        raise ValidationError.from_fields({"limit": f"A whole number from 1 to {MAX_LIMIT}"})
    return min(int(text), MAX_LIMIT)


def encode_cursor(row: Row) -> str:
    raw = json.dumps([bool(row.is_folder), row.name, row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[bool, str, int]:
    """The (is_folder, name, id) of the last row seen; 422 on anything else."""
    try:
        value = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, TypeError):
        raise ValidationError.from_fields(_BAD_CURSOR) from None
    if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], bool)
            or not _storable(value[1]) or type(value[2]) is not int or not 0 < value[2] < 2**63):
        raise ValidationError.from_fields(_BAD_CURSOR)
    return value[0], value[1], value[2]


def _storable(text: object) -> bool:
    """Text a database can compare: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if not isinstance(text, str) or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rows_after(where: list, cursor: str | None, limit: int) -> list[Row]:
    """Up to `limit` rows after the cursor, folders first, then by name and id: one query per kind
    (folders, then files), each one range of the listing index (parent, kind, name, id)."""
    was_folder, name, item_id = decode_cursor(cursor) if cursor else (True, None, None)
    rows: list[Row] = []
    for folders in (True, False):
        if folders and not was_folder:
            continue  # the cursor is past the folders already
        kind = [DriveItem.is_folder.is_(true() if folders else false())]
        if cursor and folders == was_folder:  # a row value: (name, id) after the cursor's
            kind.append(tuple_(DriveItem.name, DriveItem.id) > tuple_(literal(name), literal(item_id)))
        rows += db.session.execute(select(*COLUMNS).where(*where, *kind).order_by(
            DriveItem.name, DriveItem.id).limit(limit - len(rows)))
        if len(rows) >= limit:
            break
    return rows


def hidden_children(who: rights.Who, folder: DriveItem) -> set[int]:
    """Children the actor may not read: only those whose own entries lower the inherited level."""
    state = rights.walk_to(who, folder)
    entries = rights.child_entries(folder.id)
    if not entries:
        return set()
    rows = db.session.execute(select(*COLUMNS).where(DriveItem.id.in_(list(entries))))
    return {r.id for r in rows if rights.step_level(who, state, r, entries[r.id]) < rights.READ}


def list_page(folder_id: object, *, actor: Actor, limit: int = DEFAULT_LIMIT,
              cursor: str | None = None) -> FolderPage:
    """A page of the folder's children the actor may read, the total of them and the next cursor."""
    folder, level = get_item(folder_id, actor=actor)
    if not folder.is_folder:
        raise ValidationError.from_fields({"parent": "Not a folder"})
    who = rights.who_is(actor)
    hidden = hidden_children(who, folder)
    where = [DriveItem.parent_id == folder.id, DriveItem.trashed_at.is_(None)]
    if hidden:
        where.append(DriveItem.id.not_in(hidden))
    total = db.session.scalar(select(func.count()).select_from(DriveItem).where(*where)) or 0
    rows = _rows_after(where, cursor, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    levels = rights.child_levels(who, folder, rows)
    return FolderPage(folder, level, [(r, levels[r.id]) for r in rows], int(total),
                      encode_cursor(rows[-1]) if more and rows else None)
