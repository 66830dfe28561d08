"""The audit log: who changed rights, roles, administrators, settings, users, processes or
two-factor sign-in, and who exported data; append-only.

Services call `record(action, target, details)` inside their own unit of work, so an entry
exists exactly when the change was committed. Who acted and from which address come from the
context the web layer sets once per request (`enter_request`); services acting for someone
else (a process) pass `actor=`. Nothing in the code updates or deletes an entry, and the
migration adds database triggers refusing UPDATE and DELETE on the table.
"""
from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from errors import ValidationError
from extensions import db
from org import admin as admin_rules
from org.actors import Actor, ProcessActor
from org.models import MAX_ID, User, utcnow

# The catalogue of actions; `record` refuses others so the filter list stays complete.
ACTIONS = (
    "role.create", "role.update", "role.delete", "role.assign", "role.unassign",
    "admin.grant", "admin.revoke",
    "setting.change",
    "user.invite", "user.create", "user.update", "user.dismiss", "user.hire",
    "workgroup.delete", "department.delete",
    "process.deploy", "decision.deploy", "form.deploy", "process.activate", "process.deactivate",
    "process.triggers",
    "process.terminate", "process.delete_version", "process.archive", "process.unarchive",
    "process.modify", "process.migrate", "incident.retry", "incident.resolve",
    "job.execute", "job.duedate",
    "2fa.enable", "2fa.disable", "2fa.recovery_codes",
    "data.export",
)
MAX_DETAILS = 8000

_address: ContextVar[str | None] = ContextVar("flowdesk_audit_address", default=None)


class AuditEntry(db.Model):
    """One audited change; rows are only ever inserted."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign key: an ON DELETE action would have to change audit rows, which the table refuses.
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(320), default="")
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_entry_created_at", "created_at"),
        Index("ix_audit_entry_actor_id", "actor_id"),
        Index("ix_audit_entry_action", "action"),
    )


def enter_request(address: str | None) -> None:
    """Called by the web layer when a request starts: the client's address."""
    _address.set((address or "")[:64] or None)


def leave_request() -> None:
    _address.set(None)


def _who(actor: Actor | None) -> tuple[int | None, str]:
    if isinstance(actor, ProcessActor):
        return actor.user.id, f"process instance {actor.instance_id}"
    if actor is None:
        user_id = admin_rules.request_user_id()
        actor = db.session.get(User, user_id) if user_id is not None else None
    if actor is None:
        return None, "operator (command line)"
    return actor.id, actor.email


def record(action: str, target: str, details: dict | None = None, *,
           actor: Actor | None = None) -> AuditEntry:
    """Add an entry in the caller's transaction (the caller commits); unknown actions are a bug."""
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}")
    actor_id, label = _who(actor)
    entry = AuditEntry(actor_id=actor_id, actor=label[:320], address=_address.get(), action=action,
                       target=str(target)[:200], details=_bounded(details or {}))
    db.session.add(entry)
    return entry


def _bounded(details: dict) -> dict:
    """Details as stored: JSON-safe and of bounded size (a huge change is summarised, not copied)."""
    text = json.dumps(details, default=str)
    return json.loads(text) if len(text) <= MAX_DETAILS else {"truncated": text[:MAX_DETAILS]}


def list_entries(filters: dict, *, actor: Actor | None, limit: int, cursor: str | None
                 ) -> tuple[list[AuditEntry], str | None]:
    """Newest first, filtered by actor (id or e-mail), action and time (administrators in admin mode)."""
    admin_rules.require_admin(actor)
    stmt = select(AuditEntry)
    for clause in _clauses(filters):
        stmt = stmt.where(clause)
    if cursor:
        if not cursor.isdigit() or not 0 < int(cursor) <= MAX_ID:
            raise ValidationError.from_fields({"cursor": "Invalid cursor; use the `next` value"})
        stmt = stmt.where(AuditEntry.id < int(cursor))
    rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more else None)


def _clauses(filters: dict) -> list:
    out, errors = [], {}
    who = (filters.get("actor") or "").strip()
    if who:
        out.append(AuditEntry.actor_id == int(who) if who.isdigit() and int(who) <= MAX_ID
                   else AuditEntry.actor == who.lower())
    action = (filters.get("action") or "").strip()
    if action:
        if action in ACTIONS:
            out.append(AuditEntry.action == action)
        elif action.endswith(".") or "." not in action:
            out.append(AuditEntry.action.startswith(action.rstrip(".") + "."))
        else:
            errors["action"] = "Unknown action; use one of " + ", ".join(ACTIONS)
    for name in ("from", "to"):
        raw = (filters.get(name) or "").strip()
        if raw:
            try:
                when = datetime.fromisoformat(raw).replace(tzinfo=None)
            except ValueError:
                errors[name] = "Expected a date or time like 2026-01-31 or 2026-01-31T12:00"
                continue
            if name == "from":
                out.append(AuditEntry.created_at >= when)
            else:  # a bare date includes that whole day
                out.append(AuditEntry.created_at < when + timedelta(days=1) if len(raw) == 10
                           else AuditEntry.created_at <= when)
    if errors:
        raise ValidationError.from_fields(errors)
    return out


def entry_to_dict(entry: AuditEntry) -> dict:
    return {"id": entry.id, "created_at": entry.created_at.isoformat(timespec="seconds") + "Z",
            "actor_id": entry.actor_id, "actor": entry.actor, "address": entry.address,
            "action": entry.action, "target": entry.target, "details": entry.details or {}}
