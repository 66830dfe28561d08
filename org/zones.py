"""People's time zones: IANA names checked against the zone database (zoneinfo)."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from extensions import db
from org.settings import SiteSetting

UTC_NAME = "UTC"
COMPANY = "company"  # the settings document holding the company's "time_zone" (crm.company_settings)


def zone_name(raw: object) -> str | None:
    """The stored form of a submitted zone: None (follow the browser) for an empty value."""
    text = str(raw or "").strip()
    return text or None


def zone_problem(raw: object) -> str | None:
    """Why a submitted zone is refused, or None when it is an IANA name (or empty)."""
    name = zone_name(raw)
    if name is None:
        return None
    if not isinstance(raw, str) or len(name) > 64 or name not in zone_names():
        return "Must be an IANA time zone name such as Europe/Berlin or America/New_York"
    return None


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every zone the database knows (read once: available_timezones walks the files)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=256)
def zone_of(name: str | None) -> ZoneInfo:
    """The zone of a stored name; UTC when unset or no longer known."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC_NAME)


def company_zone() -> str:
    """The company's zone (the "time_zone" of the "company" settings document), else UTC."""
    row = db.session.get(SiteSetting, COMPANY)
    name = str((row.data or {}).get("time_zone") or "") if row is not None else ""
    return name if name and zone_problem(name) is None else UTC_NAME


def person_zone(user: object | None) -> str:
    """The IANA name a person's dates show in: their profile's zone, else the company's, else UTC."""
    own = getattr(user, "time_zone", None)
    if own and zone_problem(own) is None:
        return own
    return company_zone()
