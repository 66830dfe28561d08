"""The time zone a person's calendar shows: their profile's, else the company's, else UTC."""
from __future__ import annotations

from datetime import UTC, datetime

from extensions import db
from org.models import User
from org.settings import SiteSetting
from org.zones import UTC_NAME, zone_of, zone_problem

COMPANY = "company"  # the company settings document (crm.company_settings) may name "time_zone"


def company_zone() -> str:
    """The company's zone (a "time_zone" in the company settings), or UTC."""
    row = db.session.get(SiteSetting, COMPANY)
    name = str((row.data or {}).get("time_zone") or "") if row is not None else ""
    return name if name and zone_problem(name) is None else UTC_NAME


def person_zone(user: User | None) -> str:
    """The IANA name of the zone the person's calendar, forms, reminders and feed use."""
    if user is not None and user.time_zone and zone_problem(user.time_zone) is None:
        return user.time_zone
    return company_zone()


def local_wall(value: datetime, zone: str) -> datetime:
    """A naive-UTC moment as the naive wall-clock time in `zone`."""
    return value.replace(tzinfo=UTC).astimezone(zone_of(zone)).replace(tzinfo=None)


def local_iso(text: str, zone: str) -> str:
    """A "…Z" moment of the JSON as the wall-clock time in `zone` without offset (what a
    calendar showing that zone reads as is); dates stay dates."""
    if not text.endswith("Z"):
        return text
    return local_wall(datetime.fromisoformat(text[:-1]), zone).isoformat()


def describe(value: datetime, zone: str, all_day: bool = False) -> str:
    """A moment for people: "Mon 7 Dec 2026, 10:00 (Europe/Berlin)"; all-day: the date."""
    if all_day:
        return f"{value:%a} {value.day} {value:%b %Y}"
    local = local_wall(value, zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} ({zone})"
