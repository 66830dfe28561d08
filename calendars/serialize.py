"""Events and occurrences as JSON: in full, or as busy times only."""
from __future__ import annotations

from datetime import datetime

from calendars.models import CalendarEvent
from calendars.states import Visibility


def moment(value: datetime, all_day: bool) -> str:
    """All-day: the date; otherwise UTC with a Z."""
    return value.date().isoformat() if all_day else value.isoformat() + "Z"


def _busy(event: CalendarEvent, start: datetime, end: datetime) -> dict:
    return {"event_id": None, "calendar_id": event.calendar_id, "busy": True, "title": "Busy",
            "start": moment(start, event.all_day), "end": moment(end, event.all_day),
            "all_day": event.all_day}


def event_to_dict(event: CalendarEvent, view: Visibility) -> dict:
    """The event (the series for a recurring one)."""
    if view != Visibility.FULL:
        return _busy(event, event.start_at, event.end_at)
    link = {"entity": event.crm_entity, "id": event.crm_record_id} if event.crm_entity else None
    return {
        "event_id": event.id, "id": event.id, "calendar_id": event.calendar_id, "busy": False,
        "uid": event.uid, "title": event.title, "start": moment(event.start_at, event.all_day),
        "end": moment(event.end_at, event.all_day), "all_day": event.all_day,
        "timezone": event.timezone, "location": event.location, "description": event.description,
        "private": event.private, "rrule": event.rrule, "reminders": list(event.reminders or []),
        "record": link, "organizer_id": event.organizer_id,
        "attendees": [{"user_id": a.user_id, "status": a.status} for a in event.attendees],
        "updated_at": event.updated_at.isoformat() + "Z",
    }


def occurrence_to_dict(occ: object) -> dict:
    """One occurrence in a range (calendars.services.events.Occurrence): the event's fields
    with this occurrence's times and title."""
    event, start, end = occ.event, occ.start, occ.end
    if occ.view != Visibility.FULL:
        return _busy(event, start, end)
    out = event_to_dict(event, occ.view)
    out.update(start=moment(start, event.all_day), end=moment(end, event.all_day), title=occ.title,
               recurrence_id=occ.recurrence_id if event.rrule else None)
    return out
