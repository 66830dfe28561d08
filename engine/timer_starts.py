"""Timer start events: each newest active version's schedule, fired by beat exactly once per due time.

Deploying a version replaces the schedules of its process's older versions (Camunda 7 does
the same). A due row starts an instance whose `start_event_id` names the element and the due
time: the unique (version, start_event_id) key makes a second firing of the same due time
(two beats, a worker retried after a crash) start nothing. Due times missed while the
platform was down are caught up with one start, then the schedule continues.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import delete, select

from engine import spiff_adapter as spiff
from engine.event_models import TimerStartSchedule
from engine.models import ProcessInstance, ProcessVersion
from extensions import db
from org.models import utcnow
from transactions import unit_of_work

log = logging.getLogger(__name__)


def schedule_version(version: ProcessVersion, now: datetime | None = None) -> list[TimerStartSchedule]:
    """Replace the process's timer start schedules with those of `version` (in the caller's transaction)."""
    from engine.spiff.event_starts import first_due

    now = now or utcnow()
    older = select(ProcessVersion.id).where(ProcessVersion.definition_id == version.definition_id)
    db.session.execute(delete(TimerStartSchedule).where(TimerStartSchedule.version_id.in_(older)))
    rows = []
    for start in spiff.timer_starts(version):
        due, remaining = first_due(start["kind"], start["expression"], now)
        rows.append(TimerStartSchedule(
            version_id=version.id, element_id=start["element_id"], kind=start["kind"],
            expression=start["expression"][:255], next_due_at=due, remaining=remaining))
    db.session.add_all(rows)
    return rows


def due_timer_starts(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of schedules that are due."""
    return list(db.session.scalars(
        select(TimerStartSchedule.id).where(TimerStartSchedule.next_due_at <= (now or utcnow()))
        .order_by(TimerStartSchedule.next_due_at).limit(limit)))


def start_event_id(element_id: str, due: datetime) -> str:
    """The instance key of one due time (fits the 36-character column)."""
    digest = hashlib.sha1(element_id.encode()).hexdigest()[:8]
    return f"timer:{digest}:{due:%Y%m%dT%H%M%S}"


def _is_newest_active(version: ProcessVersion) -> bool:
    from engine.triggers import active_versions

    return version.definition.active and any(v.id == version.id for v in active_versions())


def fire_timer_start(schedule_id: int, now: datetime | None = None) -> int | None:
    """Start the instance of a due schedule and move it to its next due time (one unit of work).

    Returns the new instance id (None: not due, inactive, or this due time already started).
    """
    from engine.messages import start_by_event

    now = now or utcnow()
    with unit_of_work():
        row = db.session.get(TimerStartSchedule, schedule_id)
        if row is None or row.next_due_at is None or row.next_due_at > now:
            return None
        version = db.session.get(ProcessVersion, row.version_id)
        instance: ProcessInstance | None = None
        if _is_newest_active(version):
            instance = start_by_event(version, row.element_id, "timer", {}, initiator=None,
                                      start_event_id=start_event_id(row.element_id, row.next_due_at))
        row.next_due_at, row.remaining = _following(row, now)
        return None if instance is None else instance.id


def _following(row: TimerStartSchedule, now: datetime) -> tuple[datetime | None, int | None]:
    """The next due time; of several already past (the platform was down) only the latest."""
    from engine.spiff.event_starts import next_due

    due, remaining = next_due(row.kind, row.expression, row.next_due_at, row.remaining)
    while due is not None and due <= now:
        following, left = next_due(row.kind, row.expression, due, remaining)
        if following is None or following > now:
            break
        due, remaining = following, left
    return due, remaining


def fire_due_timer_starts(now: datetime | None = None) -> int:
    """Fire every due schedule in this process (the synchronous driver); returns instances started."""
    return sum(1 for sid in due_timer_starts(now) if fire_timer_start(sid, now) is not None)
