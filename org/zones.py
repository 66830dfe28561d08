"""People's time zones: IANA names checked against the zone database (zoneinfo)."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_request_context, request
from sqlalchemy import ScalarSelect, select

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


# The company document as read in this request: (request, data). Never kept across requests.
_NOTED = "_company_setting"


def company_column() -> ScalarSelect:
    """The company document's data as a column: the session's user query reads it along."""
    return select(SiteSetting.data).where(SiteSetting.name == COMPANY).scalar_subquery()


def note_company(data: dict | None) -> None:
    """Keep the company document read with the session's user for the rest of this request."""
    if has_request_context():
        setattr(g, _NOTED, (request._get_current_object(), data))


def forget_company() -> None:
    """Drop the noted document (the company settings changed in this request)."""
    if has_request_context():
        g.pop(_NOTED, None)


def _company_data() -> dict:
    noted = g.get(_NOTED) if has_request_context() else None
    if noted is not None and noted[0] is request._get_current_object():
        return noted[1] or {}
    row = db.session.get(SiteSetting, COMPANY)
    note_company(row.data if row is not None else None)
    return (row.data or {}) if row is not None else {}


def company_zone() -> str:
    """The company's zone (the "time_zone" of the "company" settings document), else UTC."""
    name = str(_company_data().get("time_zone") or "")
    return name if name and zone_problem(name) is None else UTC_NAME


def person_zone(user: object | None) -> str:
    """The IANA name a person's dates show in: their profile's zone, else the company's, else UTC."""
    own = getattr(user, "time_zone", None)
    if own and zone_problem(own) is None:
        return own
    return company_zone()
