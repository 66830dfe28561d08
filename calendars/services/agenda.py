"""What a calendar shows in a range: its events' occurrences and, in a person's own calendar
seen by that person, their open CRM tasks at their deadlines (read-only entries)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from calendars.serialize import moment, occurrence_to_dict
from calendars.services.calendars import get_calendar
from calendars.services.events import list_occurrences
from calendars.states import CalendarKind, Visibility
from crm.models import CrmTask
from crm.states import TaskStatus
from extensions import db
from org.actors import Actor, actor_user

TASK_LENGTH = timedelta(minutes=30)


def agenda(calendar_id: int, start: datetime, end: datetime, *, actor: Actor) -> list[dict]:
    """Occurrences (recurring events expanded, busy blocks for what the actor may not see),
    then the owner's open CRM tasks due in the range."""
    items = [occurrence_to_dict(o) for o in list_occurrences(calendar_id, start, end, actor=actor)]
    cal, view = get_calendar(calendar_id, actor=actor)
    if cal.kind == CalendarKind.PERSONAL and view == Visibility.FULL and cal.owner_id == actor_user(actor).id:
        items += [_task_item(t) for t in _due_tasks(cal.owner_id, start, end)]
    return items


def _due_tasks(user_id: int, start: datetime, end: datetime) -> list[CrmTask]:
    return list(db.session.scalars(select(CrmTask).where(
        CrmTask.responsible_id == user_id, CrmTask.status == TaskStatus.OPEN,
        CrmTask.deadline >= start - TASK_LENGTH, CrmTask.deadline < end).order_by(CrmTask.deadline)))


def _task_item(task: CrmTask) -> dict:
    all_day = task.deadline.time() == time()  # a deadline without a time of day
    finish = task.deadline + (timedelta(days=1) if all_day else TASK_LENGTH)
    return {"event_id": None, "task_id": task.id, "kind": "task", "busy": False, "editable": False,
            "title": f"Task: {task.title}", "start": moment(task.deadline, all_day),
            "end": moment(finish, all_day), "all_day": all_day}
