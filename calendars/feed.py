"""The read-only iCalendar feed of a calendar, opened by a secret, revocable URL."""
from __future__ import annotations

import icalendar
from sqlalchemy import select

from calendars import ical
from calendars.models import CalendarEvent
from calendars.services.calendars import calendar_by_feed_token
from calendars.zones import person_zone
from errors import NotFound
from extensions import db
from org.models import User


def feed_text(token: str) -> str:
    """The calendar's events as one VCALENDAR (private ones as busy blocks); NotFound for a
    secret that opens nothing (never issued, or revoked)."""
    cal = calendar_by_feed_token(token)
    if cal is None:
        raise NotFound("No such feed")
    out = icalendar.Calendar()
    out.add("prodid", ical.PRODID)
    out.add("version", "2.0")
    out.add("x-wr-calname", cal.name)
    # The owner's zone: what clients that honour it show the events in (the times carry theirs).
    owner = db.session.get(User, cal.owner_id) if cal.owner_id else None
    out.add("x-wr-timezone", person_zone(owner))
    for event in db_events(cal.id):
        for component in ical.parse(event.ical).walk("VEVENT"):
            if event.private:
                for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "ATTENDEE"):
                    component.pop(name, None)
                component.add("summary", "Busy")
            out.add_component(component)
    return out.to_ical().decode()


def db_events(calendar_id: int) -> list[CalendarEvent]:
    """The calendar's live events, oldest first."""
    return list(db.session.scalars(select(CalendarEvent).where(
        CalendarEvent.calendar_id == calendar_id, CalendarEvent.deleted_at.is_(None))
        .order_by(CalendarEvent.start_at)))
