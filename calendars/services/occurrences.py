"""One occurrence of a recurring event: change or move it alone (an override with its
RECURRENCE-ID in the stored iCalendar text), delete it alone (an EXDATE), or split the series
there ("this and following"). The whole VCALENDAR is what CalDAV serves and sync writes, so
the override travels with the series."""
from __future__ import annotations

from datetime import datetime, timedelta

from calendars import ical
from calendars.event_input import clean_event
from calendars.event_types import EventChange
from calendars.models import CalendarEvent
from calendars.services.events import (
    apply_changes,
    changed,
    create_event,
    delete_event,
    event_data,
    record_change,
    update_event,
    writable_event,
)
from errors import ValidationError
from org.actors import Actor

SCOPES = ("this", "following")
# What one occurrence may change on its own; the rest belongs to the series.
OCCURRENCE_FIELDS = {"title", "start", "end", "location", "description", "timezone"}


def parse_rid(raw: str) -> datetime:
    """A recurrence id as the occurrences carry it (ISO 8601, UTC)."""
    try:
        return ical.to_utc(datetime.fromisoformat(str(raw).replace("Z", "+00:00")))
    except ValueError:
        raise ValidationError.from_fields(
            {"recurrence_id": "An ISO 8601 date-time of an occurrence"}) from None


def _series(event_id: int, rid: datetime, scope: str, actor: Actor) -> CalendarEvent:
    """The writable recurring event that has an occurrence at `rid`."""
    if scope not in SCOPES:
        raise ValidationError.from_fields({"scope": "this or following"})
    event = writable_event(event_id, actor)
    if not event.rrule:
        raise ValidationError.from_fields({"recurrence_id": "The event does not recur"})
    zone = "UTC" if event.all_day else event.timezone
    hits = ical.expand_rule(event.rrule, event.start_at, event.end_at, zone, event.exdates or [],
                            rid, rid + timedelta(seconds=1)) or []
    if not any(begin == rid for begin, _end, _rid in hits):
        raise ValidationError.from_fields({"recurrence_id": "No occurrence of the event starts then"})
    return event


def _truncate(event: CalendarEvent, rid: datetime, actor: Actor) -> dict:
    """End the series before `rid` (its overrides from then on go)."""
    first, _rest = ical.split_rule(event.rrule, event.start_at, rid, event.timezone, event.all_day)
    event.ical = ical.drop_overrides(event.ical, rid, following=True)
    return apply_changes(event, {"rrule": first}, actor)


def update_occurrence(event_id: int, raw_rid: str, data: dict, scope: str, *,
                      actor: Actor) -> CalendarEvent:
    """Change one occurrence ("this") or it and those after ("following": a new series from
    there, returned); records event.updated (and event.created for a new series)."""
    rid = parse_rid(raw_rid)
    event = _series(event_id, rid, scope, actor)
    if scope == "following":
        return _split(event, rid, data, actor)
    if data.get("all_day", event.all_day) == event.all_day:
        data = {k: v for k, v in data.items() if k != "all_day"}  # a drag sends it unchanged
    unknown = sorted(set(data) - OCCURRENCE_FIELDS)
    if unknown:
        raise ValidationError.from_fields({k: "Change the whole series for this field" for k in unknown})
    occ = event_data(event)
    current = ical.override_fields(event.ical, rid) or {
        "start_at": rid, "end_at": rid + (event.end_at - event.start_at), "title": event.title,
        "location": event.location, "description": event.description}
    cleaned = clean_event(data, {"all_day": event.all_day, "timezone": event.timezone,
                                 "start_at": current["start_at"], "end_at": current["end_at"]})
    for name in ("start_at", "end_at", "title", "location", "description"):
        setattr(occ, name, cleaned.get(name, current[name]))
    event.ical = ical.set_override(event.ical, rid, occ, (event.sequence or 0) + 1)
    if event.until_at is not None:
        event.until_at = max(event.until_at, occ.end_at + timedelta(days=1))
    changed(event)
    moved = {"recurrence_id": [None, rid.isoformat()],
             "start_at": [current["start_at"].isoformat(), occ.start_at.isoformat()]}
    record_change(event, EventChange.UPDATED, moved, actor)
    return event


def _split(event: CalendarEvent, rid: datetime, data: dict, actor: Actor) -> CalendarEvent:
    """The series ends before `rid`; a new one (the same fields, `data` applied) starts there."""
    if rid == event.start_at:  # the first occurrence: the whole series changes
        return update_event(event.id, data, actor=actor)
    _first, rest = ical.split_rule(event.rrule, event.start_at, rid, event.timezone, event.all_day)
    length = event.end_at - event.start_at
    fmt = (lambda d: d.date().isoformat()) if event.all_day else (lambda d: d.isoformat() + "Z")
    base = {"title": event.title, "location": event.location, "description": event.description,
            "private": event.private, "reminders": list(event.reminders or []),
            "attendee_ids": [a.user_id for a in event.attendees], "timezone": event.timezone,
            "all_day": event.all_day, "rrule": rest, "start": fmt(rid), "end": fmt(rid + length)}
    if "start" in data and "end" not in data:  # moved: the occurrences keep their length
        when = {k: v for k, v in {**base, **data}.items() if k in ("start", "timezone", "all_day")}
        moved = clean_event(when, {"all_day": event.all_day, "timezone": event.timezone})
        base["end"] = fmt(moved["start_at"] + length)
    changes = _truncate(event, rid, actor)
    record_change(event, EventChange.UPDATED, changes, actor)
    return create_event(event.calendar_id, {**base, **data}, actor=actor)


def delete_occurrence(event_id: int, raw_rid: str, scope: str, *, actor: Actor) -> None:
    """Leave out one occurrence (an EXDATE) or it and all after (the series ends before it)."""
    rid = parse_rid(raw_rid)
    event = _series(event_id, rid, scope, actor)
    if scope == "following" and rid == event.start_at:
        delete_event(event.id, actor=actor)
        return
    if scope == "following":
        changes = _truncate(event, rid, actor)
    else:
        event.ical = ical.drop_overrides(event.ical, rid)
        exdates = tuple(datetime.fromisoformat(d) for d in event.exdates or []) + (rid,)
        changes = apply_changes(event, {"exdates": exdates}, actor)
    record_change(event, EventChange.UPDATED, {**changes, "recurrence_id": [rid.isoformat(), None]}, actor)
