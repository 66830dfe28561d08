"""iCalendar text of events (icalendar) and their occurrences (recurring-ical-events).

The stored text is the source for CalDAV and the feed; the columns are what queries use.
Writing an event changes the master VEVENT of its stored text in place, so properties and
exceptions (RECURRENCE-ID overrides) that came from a CalDAV server survive a local edit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

PRODID = "-//Flowdesk//Calendars//EN"
# How far a rule without an end is expanded when its last occurrence is asked for.
HORIZON = timedelta(days=366 * 5)


class BadCalendarData(ValueError):
    """Text that is not an iCalendar object with one event."""


@dataclass
class EventData:
    """The modelled fields of an event (times naive UTC, as the columns hold them)."""

    uid: str
    title: str
    start_at: datetime
    end_at: datetime
    all_day: bool = False
    timezone: str = "UTC"
    description: str = ""
    location: str = ""
    private: bool = False
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    reminders: tuple[int, ...] = ()
    attendee_emails: tuple[str, ...] = ()
    organizer_email: str | None = None
    last_modified: datetime | None = None


def resource_name(uid: str) -> str:
    """A safe file name for an event: its UID with odd characters replaced, plus .ics."""
    return re.sub(r"[^A-Za-z0-9@._-]", "_", uid)[:200] + ".ics"


def to_utc(value: datetime | date, tz: str = "UTC") -> datetime:
    """A naive UTC datetime: dates are midnight, naive datetimes are read in `tz`."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC).replace(tzinfo=None)


def _local(value: datetime, data: EventData) -> datetime | date:
    if data.all_day:
        return value.date()
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(data.timezone))


def parse(text: str) -> icalendar.Calendar:
    """The calendar object, or BadCalendarData."""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise BadCalendarData(f"Not iCalendar data: {exc}") from None
    if master(cal) is None:
        raise BadCalendarData("The iCalendar data holds no event")
    return cal


def master(cal: icalendar.Calendar) -> icalendar.Event | None:
    """The VEVENT without RECURRENCE-ID (the series or the single event)."""
    events = list(cal.walk("VEVENT"))
    return next((e for e in events if "RECURRENCE-ID" not in e), events[0] if events else None)


def build(data: EventData, previous: str | None = None) -> str:
    """The iCalendar text for `data`, keeping what else `previous` held."""
    cal = parse(previous) if previous else icalendar.Calendar()
    if not previous:
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add_component(icalendar.Event())
    vevent = master(cal)
    _set_fields(vevent, data)
    if not data.all_day and data.timezone != "UTC":
        cal.add_missing_timezones()
    return cal.to_ical().decode()


def _set_fields(vevent: icalendar.Event, data: EventData) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    values: dict[str, Any] = {
        "uid": data.uid, "summary": data.title, "dtstamp": now, "last-modified": now,
        "dtstart": _local(data.start_at, data), "dtend": _local(data.end_at, data),
        "class": "PRIVATE" if data.private else "PUBLIC",
    }
    for name in ("uid", "summary", "dtstamp", "last-modified", "dtstart", "dtend", "class",
                 "description", "location", "rrule", "exdate", "attendee", "organizer", "duration"):
        vevent.pop(name.upper(), None)
    for name, value in values.items():
        vevent.add(name, value)
    if data.description:
        vevent.add("description", data.description)
    if data.location:
        vevent.add("location", data.location)
    if data.rrule:
        vevent.add("rrule", icalendar.vRecur.from_ical(data.rrule))
    if data.exdates:
        vevent.add("exdate", [_local(d, data) for d in data.exdates])
    if data.organizer_email:
        vevent.add("organizer", f"mailto:{data.organizer_email}")
    for email in data.attendee_emails:
        vevent.add("attendee", f"mailto:{email}")
    vevent.subcomponents = [c for c in vevent.subcomponents if c.name != "VALARM"]
    for minutes in data.reminders:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", data.title or "Reminder")
        alarm.add("trigger", timedelta(minutes=-minutes))
        vevent.add_component(alarm)


def read(text: str) -> EventData:
    """The modelled fields of the master event in `text` (BadCalendarData if unusable)."""
    vevent = master(parse(text))
    if "DTSTART" not in vevent or not str(vevent.get("UID", "")).strip():
        raise BadCalendarData("The event has no UID or no DTSTART")
    start = vevent.decoded("DTSTART")
    all_day = not isinstance(start, datetime)
    tz = _zone_name(start)
    if "DTEND" in vevent:
        end = vevent.decoded("DTEND")
    elif "DURATION" in vevent:
        end = start + vevent.decoded("DURATION")
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    rule = vevent.get("RRULE")
    return EventData(
        uid=str(vevent["UID"]), title=str(vevent.get("SUMMARY", "")),
        start_at=to_utc(start), end_at=to_utc(end), all_day=all_day, timezone=tz,
        description=str(vevent.get("DESCRIPTION", "")), location=str(vevent.get("LOCATION", "")),
        private=str(vevent.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL"),
        rrule=rule.to_ical().decode() if rule else None,
        exdates=tuple(to_utc(d) for d in _exdates(vevent)),
        reminders=tuple(_reminders(vevent)),
        last_modified=_stamp(vevent))


def _zone_name(start: datetime | date) -> str:
    key = getattr(getattr(start, "tzinfo", None), "key", None)
    return key if isinstance(key, str) else "UTC"


def _exdates(vevent: icalendar.Event) -> list[datetime | date]:
    raw = vevent.get("EXDATE")
    out: list[datetime | date] = []
    for prop in raw if isinstance(raw, list) else [raw] if raw else []:
        out.extend(d.dt for d in prop.dts)
    return out


def _reminders(vevent: icalendar.Event) -> list[int]:
    out = []
    for alarm in vevent.walk("VALARM"):
        trigger = alarm.decoded("TRIGGER") if "TRIGGER" in alarm else None
        if isinstance(trigger, timedelta) and trigger <= timedelta(0):
            out.append(int(-trigger.total_seconds() // 60))
    return out


def _stamp(vevent: icalendar.Event) -> datetime | None:
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        if name in vevent:
            value = vevent.decoded(name)
            return to_utc(value) if isinstance(value, datetime) else None
    return None


def last_end(data: EventData) -> datetime | None:
    """The end of the last occurrence (naive UTC), or None when the rule never ends."""
    if not data.rrule:
        return data.end_at
    if "COUNT=" not in data.rrule.upper() and "UNTIL=" not in data.rrule.upper():
        return None
    rule = rrulestr(data.rrule, dtstart=data.start_at, ignoretz=True)
    last = rule.before(data.start_at + HORIZON * 20, inc=True) or data.start_at
    return last + (data.end_at - data.start_at) + timedelta(days=1)  # a day for DST shifts


def iso_list(values: tuple[datetime, ...]) -> list[str]:
    """Naive-UTC datetimes as ISO strings (for a JSON column)."""
    return [v.isoformat() for v in values]


def expand_rule(rule: str, start_at: datetime, end_at: datetime, tz: str, exdates: list[str],
                start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]] | None:
    """(start, end, recurrence id) of a plain series in [start, end), naive UTC, by dateutil in
    the event's zone (so DST keeps the wall-clock time); None when the rule needs the full
    library (the caller then expands the iCalendar text)."""
    zone, length = ZoneInfo(tz), end_at - start_at
    try:
        first = start_at.replace(tzinfo=UTC).astimezone(zone)
        series = rrulestr(rule, dtstart=first)
        hits = series.between((start - length).replace(tzinfo=UTC), end.replace(tzinfo=UTC), inc=True)
    except (ValueError, TypeError):
        return None
    skip = set(exdates)
    out = []
    for hit in hits:
        begin = hit.astimezone(UTC).replace(tzinfo=None)
        if begin.isoformat() not in skip and begin + length > start and begin < end:
            out.append((begin, begin + length, begin.isoformat()))
    return out


def occurrences(text: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str, str]]:
    """(start, end, recurrence id, title) of each occurrence overlapping [start, end), naive UTC;
    a moved or renamed occurrence (a RECURRENCE-ID override) has its own times and title."""
    cal = parse(text)
    found = []
    for vevent in recurring_ical_events.of(cal).between(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)):
        begin, finish = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        rid = vevent.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in vevent else begin
        found.append((to_utc(begin), to_utc(finish), to_utc(rid).isoformat(), str(vevent.get("SUMMARY", ""))))
    return found


def _is_override(component: icalendar.cal.Component, rid: datetime) -> bool:
    return (component.name == "VEVENT" and "RECURRENCE-ID" in component
            and to_utc(component.decoded("RECURRENCE-ID")) == rid)


def override_fields(text: str, rid: datetime) -> dict | None:
    """The times (naive UTC) and texts of the override of occurrence `rid`, if there is one."""
    for vevent in parse(text).walk("VEVENT"):
        if _is_override(vevent, rid):
            start = to_utc(vevent.decoded("DTSTART"))
            end = to_utc(vevent.decoded("DTEND")) if "DTEND" in vevent else start
            return {"start_at": start, "end_at": end, "title": str(vevent.get("SUMMARY", "")),
                    "location": str(vevent.get("LOCATION", "")),
                    "description": str(vevent.get("DESCRIPTION", ""))}
    return None


def drop_overrides(text: str, rid: datetime, following: bool = False) -> str:
    """The text without the override of occurrence `rid` (`following`: and of those after)."""
    cal = parse(text)
    cal.subcomponents = [c for c in cal.subcomponents if not (
        c.name == "VEVENT" and "RECURRENCE-ID" in c
        and (to_utc(c.decoded("RECURRENCE-ID")) >= rid if following else _is_override(c, rid)))]
    return cal.to_ical().decode()


SERIES_ONLY = ("RRULE", "RDATE", "EXDATE", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID",
               "DTSTAMP", "LAST-MODIFIED", "SEQUENCE")


def set_override(text: str, rid: datetime, data: EventData, sequence: int) -> str:
    """The text with occurrence `rid` replaced by an override (a VEVENT with RECURRENCE-ID)
    holding `data`'s times and texts; the rest is copied from the series."""
    cal = parse(text)
    series = master(cal)
    cal.subcomponents = [c for c in cal.subcomponents if not _is_override(c, rid)]
    vevent = icalendar.Event()
    for name, value in series.items():
        if name not in SERIES_ONLY:
            vevent[name] = value
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION"):
        vevent.pop(name, None)
    now = datetime.now(UTC).replace(microsecond=0)
    vevent.add("recurrence-id", _local(rid, data))
    vevent.add("dtstart", _local(data.start_at, data))
    vevent.add("dtend", _local(data.end_at, data))
    vevent.add("dtstamp", now)
    vevent.add("last-modified", now)
    vevent.add("sequence", sequence)
    vevent.add("summary", data.title)
    if data.location:
        vevent.add("location", data.location)
    if data.description:
        vevent.add("description", data.description)
    vevent.subcomponents = list(series.walk("VALARM"))
    cal.add_component(vevent)
    return cal.to_ical().decode()


def split_rule(rule: str, series_start: datetime, rid: datetime, tz: str, all_day: bool) -> tuple[str, str]:
    """(the rule ending before occurrence `rid`, the rule of the occurrences from `rid` on):
    UNTIL for the first; for the second COUNT lowered by the occurrences before `rid`."""
    first = icalendar.vRecur.from_ical(rule)
    rest = icalendar.vRecur.from_ical(rule)
    if "COUNT" in first:
        zone = ZoneInfo(tz)
        series = rrulestr(rule, dtstart=series_start.replace(tzinfo=UTC).astimezone(zone))
        before = len(series.between(series_start.replace(tzinfo=UTC) - timedelta(seconds=1),
                                    rid.replace(tzinfo=UTC), inc=False))
        rest["COUNT"] = [max(1, int(first["COUNT"][0]) - before)]
        first.pop("COUNT")
    cutoff = rid - (timedelta(days=1) if all_day else timedelta(seconds=1))
    first["UNTIL"] = [cutoff.date() if all_day else cutoff.replace(tzinfo=UTC)]
    return first.to_ical().decode(), rest.to_ical().decode()
