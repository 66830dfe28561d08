"""Portal-wide settings documents; the network setting: private hosts outgoing connections may reach."""
from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

import netguard
from errors import ValidationError
from extensions import db
from org import admin as admin_rules
from org.actors import Actor, actor_user
from org.models import utcnow

NETWORK = "network"
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
    row = db.session.get(SiteSetting, NETWORK) or SiteSetting(name=NETWORK)
    row.data = {"allowed_private_hosts": list(dict.fromkeys(entries))}
    row.updated_by_id = actor_user(actor).id if actor is not None else None
    db.session.add(row)
    db.session.flush()
    return network_settings(actor=actor)
