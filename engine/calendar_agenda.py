"""Inbox tasks with a due date in a person's own calendar: those assigned to or claimed by
them, and those still unclaimed that they may claim as a candidate (themselves or one of
their groups), marked unclaimed. An agenda source of calendars, registered at app start:
calendars sits below the engine and cannot ask for them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from calendars.services.agenda import TASK_LENGTH, entry, register_agenda_source
from engine.inbox_view import inbox_condition
from engine.models import HumanTask
from engine.states import HumanTaskState
from extensions import db
from org.models import User


def inbox_entries(user_id: int, start: datetime, end: datetime) -> list[dict]:
    """The person's open inbox tasks due in [start, end): theirs, and their groups' unclaimed."""
    user = db.session.get(User, user_id)
    if user is None:
        return []
    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.state == HumanTaskState.OPEN, HumanTask.due_at >= start - TASK_LENGTH,
        HumanTask.due_at < end,
        or_(inbox_condition(user, {"mine", "groups"}), HumanTask.claimed_by_id == user_id))
        .order_by(HumanTask.due_at, HumanTask.id))
    out = []
    for t in rows:
        unclaimed = t.assignee_id is None
        title = f"Inbox{' (unclaimed)' if unclaimed else ''}: {t.name or 'task'}"
        out.append({**entry("inbox", title, t.due_at, inbox_task_id=t.id), "unclaimed": unclaimed})
    return out


def register() -> None:
    """Called by the app factory."""
    register_agenda_source("inbox", inbox_entries)
