"""What a calendar shows in a range: its events' occurrences and, in a person's own calendar
seen by that person, their open CRM tasks at their deadlines and what registered sources add
(the engine: inbox tasks due), all read-only entries."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import select

from calendars.serialize import moment, occurrence_to_dict
from calendars.services.calendars import get_calendar, list_calendars
from calendars.services.events import list_occurrences
from calendars.states import CalendarKind, Visibility
from crm.models import CrmTask
from crm.states import TaskStatus
from extensions import db
from org.actors import Actor, actor_user

TASK_LENGTH = timedelta(minutes=30)
# (user id, start, end) -> read-only items; registered by packages above calendars (engine).
AgendaSource = Callable[[int, datetime, datetime], list[dict]]
_sources: dict[str, AgendaSource] = {}


def register_agenda_source(name: str, fn: AgendaSource) -> None:
    """Add entries to every person's own calendar (the engine's inbox tasks with due dates)."""
    _sources[name] = fn


def entry(kind: str, title: str, at: datetime, **ids: int) -> dict:
    """A read-only entry at `at` (30 minutes; all-day when `at` has no time of day)."""
    all_day = at.time() == time()
    finish = at + (timedelta(days=1) if all_day else TASK_LENGTH)
    return {"event_id": None, "kind": kind, "busy": False, "editable": False, "title": title,
            "start": moment(at, all_day), "end": moment(finish, all_day), "all_day": all_day, **ids}


def agenda(calendar_id: int, start: datetime, end: datetime, *, actor: Actor) -> list[dict]:
    """Occurrences (recurring events expanded, busy blocks for what the actor may not see),
    then the owner's open CRM tasks due in the range."""
    items = [occurrence_to_dict(o) for o in list_occurrences(calendar_id, start, end, actor=actor)]
    cal, view = get_calendar(calendar_id, actor=actor)
    if cal.kind == CalendarKind.PERSONAL and view == Visibility.FULL and cal.owner_id == actor_user(actor).id:
        items += [entry("task", f"Task: {t.title}", t.deadline, task_id=t.id)
                  for t in _due_tasks(cal.owner_id, start, end)]
        for source in _sources.values():
            items += source(cal.owner_id, start, end)
    return items


def busy_times(user_id: int, start: datetime, end: datetime, *, actor: Actor) -> list[dict]:
    """A colleague's busy blocks in their own calendar (never more, whoever asks): what the
    invite dialog shows beside the proposed time."""
    ((cal, _view),) = list_calendars(actor=actor, user_id=user_id)
    return [{"start": moment(o.start, o.event.all_day), "end": moment(o.end, o.event.all_day),
             "all_day": o.event.all_day} for o in list_occurrences(cal.id, start, end, actor=actor)]


def _due_tasks(user_id: int, start: datetime, end: datetime) -> list[CrmTask]:
    return list(db.session.scalars(select(CrmTask).where(
        CrmTask.responsible_id == user_id, CrmTask.status == TaskStatus.OPEN,
        CrmTask.deadline >= start - TASK_LENGTH, CrmTask.deadline < end).order_by(CrmTask.deadline)))
