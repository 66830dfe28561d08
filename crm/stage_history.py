"""The funnel's stage_history rows, written with a record's change (crm.events.record_change): a
new lead status or deal stage opens a row, the open one is left at that moment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from crm.entities import STATUS_FIELDS
from crm.models import StageHistory
from deferred_rows import defer_insert
from extensions import db
from org.models import utcnow


def note_stage(entity: str, entity_id: int, changes: dict, *, first: bool) -> None:
    """A new stage_history row; the open one, if any, left now (a new record has none to close)."""
    field = STATUS_FIELDS.get(entity)
    pair = changes.get(field) if field else None
    if pair and pair[1]:
        now = utcnow()
        if not first:
            leave_stage(entity, entity_id, now)
        row = {"entity": entity, "record_id": entity_id, "from_status": pair[0], "to_status": pair[1],
               "changed_at": now}
        defer_insert(StageHistory.__table__, row)


def leave_stage(entity: str, entity_id: int, now: datetime) -> None:
    """Close the record's open stage_history row (it moved on, or was deleted)."""
    db.session.execute(update(StageHistory).where(
        StageHistory.entity == entity, StageHistory.record_id == entity_id,
        StageHistory.left_at.is_(None)).values(left_at=now))
