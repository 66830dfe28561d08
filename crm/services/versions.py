"""Optimistic locking of CRM records and tasks: the row lock, If-Match checks, lost races.

Every record and task has a `version` (SQLAlchemy's version_id_col, crm/models.py): each
flushed change bumps it with `UPDATE ... WHERE version = :read`. A service that changes a
row first locks it (`lock_row`) and reads it afresh, so its read-modify-write never
interleaves with another (no lost update, and a deal's `closed` always follows the stage it
is saved with); a caller that names the version it saw (`if_match`) is refused with a 412
when the row has moved on. Forms turn that 412 into a 409 showing the other change.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from crm.models import TimelineEntry
from crm.states import TimelineKind
from errors import Conflict, PreconditionFailed
from extensions import db


def lock_row(model: type, row_id: int) -> None:
    """Take the row's write lock for the rest of the transaction, before it is read.

    PostgreSQL: SELECT ... FOR UPDATE (a second writer waits, then reads the new row).
    SQLite locks the whole database for a writer; a no-op UPDATE makes pysqlite open its
    BEGIN IMMEDIATE now, so the reads that follow see the newest commit."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(model.id == row_id)
            .values(version=model.version, updated_at=model.updated_at)
            .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def check_version(label: str, row: object, if_match: Collection[int] | None) -> None:
    """412 when the caller named versions and the row has none of them (None: no condition)."""
    if if_match is not None and row.version not in if_match:
        named = ", ".join(str(v) for v in sorted(if_match)) or "none"
        raise PreconditionFailed(
            f"{label} {row.id} was changed by someone else: it is at version {row.version}"
            f" (you sent {named}); reload it and apply your change again",
            current_version=row.version)


@contextmanager
def lost_race(label: str, row_id: int) -> Iterator[None]:
    """A flush whose `WHERE version = :read` matched nothing (a writer that did not lock) is a 409."""
    try:
        yield
    except StaleDataError:
        raise Conflict(f"{label} {row_id} was changed by someone else at the same time; "
                       "reload it and apply your change again") from None


def changes_since(entity: str, record_id: int, version: int) -> dict[str, list]:
    """{field: [value at `version`, newest value]} of the changes saved after `version`
    (from the timeline, which notes the version each change made)."""
    entries = db.session.scalars(select(TimelineEntry).where(
        TimelineEntry.entity == entity, TimelineEntry.record_id == record_id,
        TimelineEntry.kind == TimelineKind.CHANGED).order_by(TimelineEntry.id.desc()).limit(200))
    found: dict[str, list] = {}
    for entry in entries:  # newest first: the oldest "before" of each field wins
        made = (entry.data or {}).get("version")
        if not isinstance(made, int) or made <= version:
            continue
        for name, (old, new) in (entry.data.get("changes") or {}).items():
            found[name] = [old, found[name][1] if name in found else new]
    return found
