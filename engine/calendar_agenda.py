"""Inbox tasks with a due date in their assignee's own calendar (an agenda source of calendars,
registered at app start: calendars sits below the engine and cannot ask for them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from calendars.services.agenda import TASK_LENGTH, entry, register_agenda_source
from engine.models import HumanTask
from engine.states import HumanTaskState
from extensions import db


def inbox_entries(user_id: int, start: datetime, end: datetime) -> list[dict]:
    """The person's open inbox tasks (assigned or claimed) due in [start, end)."""
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at >= start - TASK_LENGTH,
        HumanTask.due_at < end,
        or_(HumanTask.assignee_id == user_id, HumanTask.claimed_by_id == user_id)).order_by(HumanTask.due_at))
    return [entry("inbox", f"Inbox: {t.name or 'task'}", t.due_at, inbox_task_id=t.id) for t in rows]


def register() -> None:
    """Called by the app factory."""
    register_agenda_source("inbox", inbox_entries)
