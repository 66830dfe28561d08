"""Times in a person's zone (org.zones.person_zone: their profile's, else the company's, else UTC)."""
from __future__ import annotations

from datetime import UTC, datetime

from org.zones import company_zone, person_zone, zone_of

__all__ = ["company_zone", "describe", "local_iso", "local_wall", "person_zone"]


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
