"""Validation of event input (API, activities): clean values, or errors naming each field."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from calendars.ical import to_utc
from errors import ValidationError
from org.models import valid_id

TEXT_LIMITS = {"title": 500, "location": 500, "description": 20_000}
MAX_REMINDER_MINUTES = 60 * 24 * 28
FIELDS = {"title", "start", "end", "all_day", "timezone", "location", "description", "private",
          "rrule", "exdates", "reminders", "attendee_ids", "record"}


def _zone(value: Any, errors: dict) -> str:
    if value is None:
        return "UTC"
    try:
        ZoneInfo(value) if isinstance(value, str) and value else None
    except (ZoneInfoNotFoundError, ValueError):
        value = None
    if not isinstance(value, str) or not value:
        errors["timezone"] = "An IANA time zone such as Europe/Berlin"
        return "UTC"
    return value


def _moment(name: str, value: Any, all_day: bool, tz: str, errors: dict) -> datetime | None:
    """A naive UTC datetime (all-day: midnight of the date) from an ISO 8601 string."""
    if not isinstance(value, str):
        errors[name] = "An ISO 8601 date" + ("" if all_day else " and time")
        return None
    try:
        if all_day:
            return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")), tz)
    except ValueError:
        errors[name] = "An ISO 8601 date" + ("" if all_day else " and time, e.g. 2026-05-04T09:30:00+02:00")
        return None


def _times(data: dict, current: dict, errors: dict) -> dict:
    all_day = data.get("all_day", current.get("all_day", False))
    if not isinstance(all_day, bool):
        errors["all_day"] = "true or false"
        all_day = False
    tz = _zone(data.get("timezone", current.get("timezone")), errors)
    out: dict = {"all_day": all_day, "timezone": tz}
    if "start" in data or not current:
        out["start_at"] = _moment("start", data.get("start"), all_day, tz, errors)
    if "end" in data and data["end"] is not None:
        out["end_at"] = _moment("end", data["end"], all_day, tz, errors)
    start = out.get("start_at") or current.get("start_at")
    end = out.get("end_at") or current.get("end_at")
    if start is not None and (end is None or "start" in data and "end" not in data):
        end = start + (timedelta(days=1) if all_day else timedelta(hours=1))
        if current and current.get("end_at") and current.get("start_at"):
            end = start + (current["end_at"] - current["start_at"])  # moved: keep the duration
        out["end_at"] = end
    if start is not None and end is not None and end <= start:
        errors["end"] = "Must be after start"
    return out


def _text(data: dict, out: dict, errors: dict, creating: bool) -> None:
    for name, limit in TEXT_LIMITS.items():
        if name not in data:
            continue
        value = data[name] if data[name] is not None else ""
        if not isinstance(value, str) or len(value) > limit:
            errors[name] = f"Text of at most {limit} characters"
        elif name == "title" and not value.strip():
            errors[name] = "Required"
        else:
            out[name] = value.strip() if name == "title" else value
    if creating and "title" not in data:
        errors["title"] = "Required"


def _recurrence(data: dict, out: dict, errors: dict) -> None:
    if "rrule" in data:
        rule = data["rrule"] or None
        try:
            if rule is not None:
                if not isinstance(rule, str) or "DTSTART" in rule.upper() or len(rule) > 1000:
                    raise ValueError
                rrulestr(rule.removeprefix("RRULE:"), dtstart=datetime(2000, 1, 1))
                rule = rule.removeprefix("RRULE:")
        except (ValueError, TypeError):
            errors["rrule"] = "An RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO;COUNT=10"
        out["rrule"] = rule
    if "exdates" in data:
        raw = data["exdates"] if data["exdates"] is not None else []
        dates = [_moment("exdates", v, False, out.get("timezone", "UTC"), errors)
                 for v in raw] if isinstance(raw, list) else None
        if dates is None:
            errors["exdates"] = "A list of ISO 8601 date-times (the occurrences left out)"
        out["exdates"] = tuple(d for d in dates or () if d)


def _lists(data: dict, out: dict, errors: dict) -> None:
    if "reminders" in data:
        raw = data["reminders"] or []
        if not isinstance(raw, list) or not all(
                isinstance(m, int) and not isinstance(m, bool) and 0 <= m <= MAX_REMINDER_MINUTES
                for m in raw) or len(raw) > 10:
            errors["reminders"] = ("Up to 10 whole numbers of minutes before the start "
                                   f"(0-{MAX_REMINDER_MINUTES})")
        else:
            out["reminders"] = sorted(set(raw))
    if "attendee_ids" in data:
        raw = data["attendee_ids"] or []
        if not isinstance(raw, list) or not all(valid_id(i) and isinstance(i, int) for i in raw):
            errors["attendee_ids"] = "A list of user ids"
        else:
            out["attendee_ids"] = list(dict.fromkeys(raw))
    if "private" in data:
        if not isinstance(data["private"], bool):
            errors["private"] = "true or false"
        out["private"] = data["private"] is True
    if "record" in data:
        rec = data["record"]
        if rec is not None and not (isinstance(rec, dict) and isinstance(rec.get("entity"), str)
                                    and valid_id(rec.get("id"))):
            errors["record"] = 'A CRM record {"entity": "lead", "id": 1}, or null'
        out["record"] = None if rec is None else (rec.get("entity"), int(rec.get("id") or 0))


def clean_event(data: dict, current: dict | None = None) -> dict:
    """Clean values of the given fields; `current` (the event's values) when changing one.
    Raises ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - FIELDS)
    for name in unknown:
        errors[name] = "Unknown field"
    out = _times(data, current or {}, errors)
    _text(data, out, errors, creating=current is None)
    _recurrence(data, out, errors)
    _lists(data, out, errors)
    if errors:
        raise ValidationError.from_fields(errors)
    return out
