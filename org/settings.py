"""Portal-wide settings documents: the network (private hosts outgoing connections may reach) and
security (two-factor sign-in required for administrators)."""
from __future__ import annotations

import os
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, ScalarSelect, String, select
from sqlalchemy.orm import Mapped, mapped_column

import netguard
from errors import ValidationError
from extensions import db
from org import admin as admin_rules
from org import audit
from org.actors import Actor, actor_user
from org.models import utcnow

NETWORK = "network"
SECURITY = "security"
ENV_REQUIRE_2FA = "FLOWDESK_REQUIRE_2FA_FOR_ADMINS"
MAX_ENTRIES = 100


class SiteSetting(db.Model):
    """A named settings document ("network") changed by administrators."""

    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


def allowed_private_hosts() -> list[str]:
    """The hosts and networks administrators allowed in the setting (netguard's source)."""
    row = db.session.get(SiteSetting, NETWORK)
    return list((row.data or {}).get("allowed_private_hosts", [])) if row is not None else []


def network_settings(*, actor: Actor | None) -> dict:
    """The setting, and what the environment (FLOWDESK_ALLOWED_PRIVATE_HOSTS) adds, for administrators."""
    admin_rules.require_admin(actor)
    return {"allowed_private_hosts": allowed_private_hosts(),
            "environment": netguard.parse_entries(os.environ.get(netguard.ENV_VAR, ""))}


def save_network_settings(data: object, *, actor: Actor | None) -> dict:
    """Replace the allowed private hosts (host names, addresses, CIDR networks); the caller commits."""
    admin_rules.require_admin(actor)
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    unknown = {k: "Unknown field" for k in data if k != "allowed_private_hosts"}
    raw = data.get("allowed_private_hosts", [])
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw) or len(raw) > MAX_ENTRIES:
        unknown["allowed_private_hosts"] = f"Expected a list of at most {MAX_ENTRIES} texts"
    if unknown:
        raise ValidationError.from_fields(unknown)
    entries = netguard.parse_entries(raw)
    problems = [p for p in (netguard.entry_error(e) for e in entries) if p]
    if problems:
        raise ValidationError.from_fields({"allowed_private_hosts": "; ".join(problems)})
    before = allowed_private_hosts()
    store_setting(NETWORK, {"allowed_private_hosts": list(dict.fromkeys(entries))}, actor, before)
    return network_settings(actor=actor)


def store_setting(name: str, data: dict, actor: Actor | None, before: object) -> None:
    """Replace a settings document and audit the change; the caller commits."""
    row = db.session.get(SiteSetting, name) or SiteSetting(name=name)
    row.data = data
    row.updated_by_id = actor_user(actor).id if actor is not None else None
    db.session.add(row)
    db.session.flush()
    if has_request_context():
        g.pop(_SEEN, None)  # read afresh by what follows in this request
    audit.record("setting.change", name, {"before": before, "after": data}, actor=actor)


def _env_requires_2fa() -> bool:
    return os.environ.get(ENV_REQUIRE_2FA, "").strip().lower() in ("1", "true", "yes", "on")


def require_2fa_for_admins() -> bool:
    """Whether administrators must use two-factor sign-in (the environment or the setting says so)."""
    return _env_requires_2fa() or _setting_requires_2fa()


# The security setting as read in this request: (request, require_2fa_for_admins). Never kept
# across requests, so a change made by any process counts from the next request on.
_SEEN = "_security_setting"


def security_column() -> ScalarSelect:
    """The security document's data as a column, so a login's query reads it along (see note_security)."""
    return select(SiteSetting.data).where(SiteSetting.name == SECURITY).scalar_subquery()


def note_security(data: dict | None) -> None:
    """Keep the security document read with the login for the rest of this request."""
    if has_request_context():
        setattr(g, _SEEN, (request._get_current_object(), bool((data or {}).get("require_2fa_for_admins"))))


def _setting_requires_2fa() -> bool:
    """The setting, read at most once per request (the login's query usually brought it)."""
    seen = g.get(_SEEN) if has_request_context() else None
    if seen is not None and seen[0] is request._get_current_object():
        return seen[1]
    row = db.session.get(SiteSetting, SECURITY)
    note_security(row.data if row is not None else None)
    return bool(row is not None and (row.data or {}).get("require_2fa_for_admins"))


def security_settings(*, actor: Actor | None) -> dict:
    """The security setting, and whether FLOWDESK_REQUIRE_2FA_FOR_ADMINS forces it on (administrators)."""
    admin_rules.require_admin(actor)
    return {"require_2fa_for_admins": _setting_requires_2fa(),
            "environment_requires_2fa": _env_requires_2fa()}


def save_security_settings(data: object, *, actor: Actor | None) -> dict:
    """Set whether administrators must use two-factor sign-in; the caller commits."""
    admin_rules.require_admin(actor)
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    errors = {k: "Unknown field" for k in data if k != "require_2fa_for_admins"}
    if not isinstance(data.get("require_2fa_for_admins"), bool):
        errors["require_2fa_for_admins"] = "Expected true or false"
    if errors:
        raise ValidationError.from_fields(errors)
    before = security_settings(actor=actor)["require_2fa_for_admins"]
    store_setting(SECURITY, {"require_2fa_for_admins": data["require_2fa_for_admins"]}, actor,
           {"require_2fa_for_admins": before})
    return security_settings(actor=actor)
