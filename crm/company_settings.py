"""The company's defaults: the currency new leads and deals start with and the time zone of people
without one of their own (org.zones.person_zone), changed by those with the right to change
settings (crm.access) -- no admin mode needed."""
from __future__ import annotations

import re

from crm import access
from errors import ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.settings import SiteSetting
from org.zones import COMPANY, forget_company, zone_name, zone_problem

CURRENCY_RE = re.compile(r"[A-Z]{3}")
FIELDS = ("currency", "time_zone")


def company_currency() -> str:
    """The currency forms prefill for new amounts ("" when none is set)."""
    return _stored().get("currency", "")


def _stored() -> dict:
    """The company document's fields as stored ("" for those never set)."""
    row = db.session.get(SiteSetting, COMPANY)
    data = (row.data or {}) if row is not None else {}
    return {k: str(data.get(k) or "") for k in FIELDS}


def company_settings(*, actor: Actor) -> dict:
    """The company defaults, for those who may change settings ("time_zone" "" = UTC)."""
    access.require_settings(actor)
    return _stored()


def _clean(data: object) -> dict:
    """The submitted fields normalised; 422 naming each bad one."""
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    errors = {k: "Unknown field" for k in data if k not in FIELDS}
    clean = {}
    if "currency" in data:
        clean["currency"] = str(data.get("currency") or "").strip().upper()
        if clean["currency"] and not CURRENCY_RE.fullmatch(clean["currency"]):
            errors["currency"] = "Use a three-letter currency code such as EUR"
    if "time_zone" in data:
        if zone_problem(data["time_zone"]):
            errors["time_zone"] = zone_problem(data["time_zone"])
        clean["time_zone"] = zone_name(data["time_zone"]) or ""
    if errors:
        raise ValidationError.from_fields(errors)
    return clean


def save_company_settings(data: object, *, actor: Actor) -> dict:
    """Set the fields given (currency: a three-letter code; time_zone: an IANA name; empty for
    none); the caller commits."""
    access.require_settings(actor)
    clean = _clean(data)
    before = _stored()
    row = db.session.get(SiteSetting, COMPANY) or SiteSetting(name=COMPANY)
    row.data = {**(row.data or {}), **clean}
    row.updated_by_id = actor_user(actor).id
    db.session.add(row)
    db.session.flush()
    forget_company()  # read afresh by what follows in this request
    audit.record("setting.change", COMPANY, {"before": {k: before[k] for k in clean}, "after": clean},
                 actor=actor)
    return company_settings(actor=actor)
