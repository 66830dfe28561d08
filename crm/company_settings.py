"""The company's CRM defaults (the currency new leads and deals start with), changed by those with
the right to change settings (crm.access) -- no admin mode needed."""
from __future__ import annotations

import re

from crm import access
from errors import ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.settings import SiteSetting

COMPANY = "company"
CURRENCY_RE = re.compile(r"[A-Z]{3}")


def company_currency() -> str:
    """The currency forms prefill for new amounts ("" when none is set)."""
    row = db.session.get(SiteSetting, COMPANY)
    return str((row.data or {}).get("currency", "")) if row is not None else ""


def company_settings(*, actor: Actor) -> dict:
    """The company defaults, for those who may change settings."""
    access.require_settings(actor)
    return {"currency": company_currency()}


def save_company_settings(data: object, *, actor: Actor) -> dict:
    """Set the default currency (a three-letter code, or empty for none); the caller commits."""
    access.require_settings(actor)
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    errors = {k: "Unknown field" for k in data if k != "currency"}
    currency = str(data.get("currency") or "").strip().upper()
    if currency and not CURRENCY_RE.fullmatch(currency):
        errors["currency"] = "Use a three-letter currency code such as EUR"
    if errors:
        raise ValidationError.from_fields(errors)
    before = company_currency()
    row = db.session.get(SiteSetting, COMPANY) or SiteSetting(name=COMPANY)
    row.data = {**(row.data or {}), "currency": currency}
    row.updated_by_id = actor_user(actor).id
    db.session.add(row)
    db.session.flush()
    audit.record("setting.change", COMPANY, {"before": {"currency": before}, "after": {"currency": currency}},
                 actor=actor)
    return company_settings(actor=actor)
