"""Writes that come in over CalDAV (/dav/): an event PUT as iCalendar text, or deleted."""
from __future__ import annotations

from sqlalchemy import or_, select

from calendars import ical
from calendars.access import require_writable
from calendars.event_types import EventChange
from calendars.models import Calendar, CalendarEvent
from calendars.services.events import changed, delete_event, record_change
from errors import ValidationError
from extensions import db
from org.actors import Actor, actor_user

FIELDS = ("title", "start_at", "end_at", "all_day", "timezone", "description", "location", "private", "rrule")


def event_by_href(calendar_id: int, href: str) -> CalendarEvent | None:
    """The live event stored under `href` in the calendar."""
    return db.session.scalar(select(CalendarEvent).where(
        CalendarEvent.calendar_id == calendar_id, CalendarEvent.deleted_at.is_(None),
        CalendarEvent.dav_href == href))


def put_event(cal: Calendar, href: str, text: str, *, actor: Actor) -> CalendarEvent:
    """Create or replace the event at `href` with the client's iCalendar text (kept as sent)."""
    require_writable(cal, actor)
    try:
        data = ical.read(text)
    except ical.BadCalendarData as exc:
        raise ValidationError.from_fields({"body": str(exc)}) from None
    event = db.session.scalar(select(CalendarEvent).where(
        CalendarEvent.calendar_id == cal.id, CalendarEvent.deleted_at.is_(None),
        or_(CalendarEvent.dav_href == href, CalendarEvent.uid == data.uid)))
    creating = event is None
    if creating:
        event = CalendarEvent(calendar=cal, calendar_id=cal.id, uid=data.uid, attendees=[],
                              organizer_id=actor_user(actor).id)
        db.session.add(event)
    before = {name: getattr(event, name) for name in FIELDS}
    for name in FIELDS:
        setattr(event, name, getattr(data, name))
    event.reminders, event.until_at = list(data.reminders), ical.last_end(data)
    event.exdates = ical.iso_list(data.exdates)
    event.ical, event.dav_href = text, href
    changed(event)
    db.session.flush()
    diff = {k: [str(v), str(getattr(event, k))] for k, v in before.items() if v != getattr(event, k)}
    record_change(event, EventChange.CREATED if creating else EventChange.UPDATED, diff, actor)
    return event


def delete_href(cal: Calendar, href: str, *, actor: Actor) -> None:
    """Delete the event at `href` (nothing there: nothing to do)."""
    event = event_by_href(cal.id, href)
    if event is not None:
        delete_event(event.id, actor=actor)
