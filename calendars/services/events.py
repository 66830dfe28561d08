"""Events: create, change, delete, answer an invitation, list occurrences in a range."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from calendars import ical
from calendars.access import event_visibility, require_writable
from calendars.event_input import clean_event
from calendars.event_types import ENTITY, EventChange
from calendars.models import Calendar, CalendarEvent, EventAttendee
from calendars.services.calendars import get_calendar, touch
from calendars.states import AttendeeStatus, CalendarKind, Visibility
from crm.events import record_event
from crm.services.records import get_record
from crm.services.timeline import add_entry
from crm.states import TimelineKind
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import MAX_ID, User, utcnow

MAX_RANGE_DAYS = 400


class Occurrence(NamedTuple):
    """One occurrence of an event in a range, with what the actor sees of it."""

    event: CalendarEvent
    start: datetime
    end: datetime
    recurrence_id: str | None
    view: Visibility
    title: str
TRACKED = ("title", "start_at", "end_at", "all_day", "location", "rrule", "private")


def get_event(event_id: int, *, actor: Actor) -> tuple[CalendarEvent, Visibility]:
    """An event and what the actor sees of it."""
    event = db.session.get(CalendarEvent, event_id) if 0 < event_id <= MAX_ID else None
    if event is None or event.deleted_at is not None:
        raise NotFound(f"No event {event_id}")
    _cal, view = get_calendar(event.calendar_id, actor=actor)
    return event, event_visibility(event, actor, view)


def writable_event(event_id: int, actor: Actor) -> CalendarEvent:
    event, _view = get_event(event_id, actor=actor)
    require_writable(event.calendar, actor)
    return event


def _attendees(event: CalendarEvent, ids: list[int]) -> None:
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in users or not users[i].active or users[i].is_system]
    if missing:
        raise ValidationError.from_fields({"attendee_ids": f"No active user {missing[0]}"})
    keep = {a.user_id: a for a in event.attendees}
    event.attendees = [keep.get(i) or EventAttendee(user_id=i) for i in ids]


def _link(event: CalendarEvent, record: tuple[str, int] | None, actor: Actor) -> None:
    if record is None:
        event.crm_entity = event.crm_record_id = None
        return
    try:
        get_record(record[0], record[1], actor=actor)
    except (NotFound, ValidationError, KeyError):
        raise ValidationError.from_fields({"record": f"No {record[0]} {record[1]} you may read"}) from None
    event.crm_entity, event.crm_record_id = record


def event_data(event: CalendarEvent, exdates: tuple[datetime, ...] | None = None) -> ical.EventData:
    """The event's modelled fields, for its iCalendar text."""
    emails = tuple(db.session.scalars(select(User.email).where(
        User.id.in_([a.user_id for a in event.attendees])))) if event.attendees else ()
    organizer = db.session.get(User, event.organizer_id) if event.organizer_id else None
    if exdates is None:
        exdates = ical.read(event.ical).exdates if event.ical else ()
    return ical.EventData(
        uid=event.uid, title=event.title, start_at=event.start_at, end_at=event.end_at,
        all_day=event.all_day, timezone=event.timezone, description=event.description,
        location=event.location, private=event.private, rrule=event.rrule, exdates=exdates,
        reminders=tuple(event.reminders or ()), attendee_emails=emails,
        organizer_email=organizer.email if organizer else None)


def apply_changes(event: CalendarEvent, cleaned: dict, actor: Actor) -> dict:
    """Set the cleaned values; returns the changes {field: [old, new]} of tracked fields."""
    before = {name: getattr(event, name) for name in TRACKED}
    for name in ("title", "start_at", "end_at", "all_day", "timezone", "location", "description",
                 "private", "rrule", "reminders"):
        if name in cleaned:
            setattr(event, name, cleaned[name])
    if "attendee_ids" in cleaned:
        _attendees(event, cleaned["attendee_ids"])
    if "record" in cleaned:
        _link(event, cleaned["record"], actor)
    data = event_data(event, cleaned.get("exdates"))
    event.ical = ical.build(data, event.ical or None)
    event.until_at = ical.last_end(data)
    event.exdates = ical.iso_list(data.exdates)
    changed(event)
    return {k: [_plain(v), _plain(getattr(event, k))] for k, v in before.items() if v != getattr(event, k)}


def changed(event: CalendarEvent) -> None:
    """A new ETag and sequence; the calendar's ctag moves; a synced calendar has work to push."""
    event.etag = uuid.uuid4().hex
    event.sequence = (event.sequence or 0) + 1
    event.updated_at = utcnow()
    touch(event.calendar or db.session.get(Calendar, event.calendar_id))
    if (event.calendar or db.session.get(Calendar, event.calendar_id)).kind == CalendarKind.EXTERNAL:
        event.dirty = True


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def record_change(event: CalendarEvent, change: EventChange, changes: dict, actor: Actor) -> None:
    """The domain event, about the linked CRM record if there is one (processes on it hear it)."""
    entity, entity_id = (event.crm_entity, event.crm_record_id) if event.crm_entity else (ENTITY, event.id)
    record_event(change, entity, entity_id, {**changes, "event_id": [None, event.id]}, actor=actor)


def create_event(calendar_id: int, data: dict, *, actor: Actor) -> CalendarEvent:
    """A new event in a calendar the actor may write to; records event.created."""
    cal, _view = get_calendar(calendar_id, actor=actor)
    require_writable(cal, actor)
    cleaned = clean_event(data)
    uid = f"{uuid.uuid4()}@flowdesk"
    event = CalendarEvent(calendar=cal, calendar_id=cal.id, uid=uid, dav_href=ical.resource_name(uid),
                          organizer_id=actor_user(actor).id, attendees=[], reminders=[])
    db.session.add(event)
    changes = apply_changes(event, cleaned, actor)
    db.session.flush()
    if event.crm_entity:
        add_entry(event.crm_entity, event.crm_record_id, TimelineKind.EVENT, actor=actor,
                  summary=f"Meeting scheduled: {event.title} ({event.start_at:%Y-%m-%d %H:%M} UTC)",
                  data={"event_id": event.id})
    record_change(event, EventChange.CREATED, changes, actor)
    return event


def current_values(event: CalendarEvent) -> dict:
    return {"all_day": event.all_day, "timezone": event.timezone, "start_at": event.start_at,
            "end_at": event.end_at}


def update_event(event_id: int, data: dict, *, actor: Actor) -> CalendarEvent:
    """Change an event's fields (PATCH semantics); records event.updated."""
    event = writable_event(event_id, actor)
    changes = apply_changes(event, clean_event(data, current_values(event)), actor)
    record_change(event, EventChange.UPDATED, changes, actor)
    return event


def delete_event(event_id: int, *, actor: Actor) -> None:
    """Delete an event; in a synced calendar it stays as a tombstone until the server hears."""
    event = writable_event(event_id, actor)
    record_change(event, EventChange.DELETED, {}, actor)
    touch(event.calendar)
    if event.calendar.kind == CalendarKind.EXTERNAL and event.remote_href:
        event.deleted_at = utcnow()
        event.dirty = True
    else:
        db.session.delete(event)


def respond(event_id: int, status: str, *, actor: Actor) -> CalendarEvent:
    """An attendee accepts or declines."""
    event, _view = get_event(event_id, actor=actor)
    me = actor_user(actor).id
    row = next((a for a in event.attendees if a.user_id == me), None)
    if row is None:
        raise NotFound(f"You are not invited to event {event_id}")
    if status not in (AttendeeStatus.ACCEPTED, AttendeeStatus.DECLINED):
        raise ValidationError.from_fields({"status": "accepted or declined"})
    row.status = status
    touch(event.calendar)
    return event


def _in_range(query, start: datetime, end: datetime):  # noqa: ANN001
    return query.where(CalendarEvent.deleted_at.is_(None), CalendarEvent.start_at < end,
                       or_(CalendarEvent.until_at.is_(None), CalendarEvent.until_at > start))


def events_in_range(cal: Calendar, start: datetime, end: datetime) -> list[CalendarEvent]:
    """The calendar's events with an occurrence that may overlap [start, end); a personal
    calendar also holds the events its owner is invited to."""
    where = CalendarEvent.calendar_id == cal.id
    if cal.kind == CalendarKind.PERSONAL:
        invited = select(EventAttendee.event_id).where(EventAttendee.user_id == cal.owner_id)
        where = or_(where, CalendarEvent.id.in_(invited))
    query = (select(CalendarEvent).where(where)
             .options(selectinload(CalendarEvent.attendees), joinedload(CalendarEvent.calendar)))
    return list(db.session.scalars(_in_range(query, start, end)
                                   .order_by(CalendarEvent.start_at, CalendarEvent.id)))


def _expand(event: CalendarEvent, start: datetime, end: datetime) -> list[tuple]:
    """A plain series from its columns (fast); one with moved occurrences from its text."""
    if "RECURRENCE-ID" not in event.ical:
        zone = "UTC" if event.all_day else event.timezone  # all-day: dates, no zone
        found = ical.expand_rule(event.rrule, event.start_at, event.end_at, zone, event.exdates or [],
                                 start, end)
        if found is not None:
            return [(b, f, rid, event.title) for b, f, rid in found]
    return ical.occurrences(event.ical, start, end)


def occurrence_times(event: CalendarEvent, start: datetime, end: datetime) -> list[tuple]:
    """(start, end, recurrence id or None, title) of the event's occurrences in [start, end)."""
    if event.rrule or "RECURRENCE-ID" in event.ical:
        return _expand(event, start, end)
    if event.end_at > start or event.start_at == event.end_at >= start:
        return [(event.start_at, event.end_at, None, event.title)] if event.start_at < end else []
    return []


def list_occurrences(calendar_id: int, start: datetime, end: datetime, *,
                     actor: Actor) -> list[Occurrence]:
    """Every occurrence in [start, end), recurring events expanded, each with what the actor sees."""
    if end <= start or (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError.from_fields({"to": f"After from, at most {MAX_RANGE_DAYS} days later"})
    cal, view = get_calendar(calendar_id, actor=actor)
    out = []
    for event in events_in_range(cal, start, end):
        seen = event_visibility(event, actor, view)
        for begin, finish, rid, title in occurrence_times(event, start, end):
            out.append(Occurrence(event, begin, finish, rid, seen, title))
    out.sort(key=lambda o: (o.start, o.event.id))
    return out
