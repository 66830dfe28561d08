"""External CalDAV calendars of a person: add, change, remove, sync now, read the log."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from calendars.caldav_client import check_url
from calendars.models import ExternalCalendar, SyncLogEntry
from calendars.services.calendars import external_calendar_row
from errors import NotFound, ValidationError
from extensions import db
from mail.crypto import encrypt
from org.actors import Actor, actor_user
from org.models import MAX_ID
from transactions import enqueue_after_commit

SYNC_TASK = "calendars.sync_external"
LIMITS = {"name": 200, "url": 1000, "username": 320, "password": 1000}


def _clean(data: dict, creating: bool) -> dict:
    errors, out = {}, {}
    for name in ("name", "url", "username", "password"):
        unknown = sorted(set(data) - set(LIMITS))
        for bad in unknown:
            errors[bad] = "Unknown field"
        if name not in data:
            if creating and name in ("name", "url"):
                errors[name] = "Required"
            continue
        value = data[name] if data[name] is not None else ""
        if not isinstance(value, str) or len(value) > LIMITS[name]:
            errors[name] = f"Text of at most {LIMITS[name]} characters"
        elif name in ("name", "url") and not value.strip():
            errors[name] = "Required"
        elif name == "url" and check_url(value.strip()):
            errors[name] = check_url(value.strip())
        else:
            out[name] = value.strip() if name != "password" else value
    if errors:
        raise ValidationError.from_fields(errors)
    return out


def list_external(*, actor: Actor) -> list[ExternalCalendar]:
    """The actor's own external calendars."""
    return list(db.session.scalars(select(ExternalCalendar).where(
        ExternalCalendar.owner_id == actor_user(actor).id).order_by(ExternalCalendar.id)))


def get_external(external_id: int, *, actor: Actor) -> ExternalCalendar:
    """One of the actor's external calendars (404 for anybody else's)."""
    row = db.session.get(ExternalCalendar, external_id) if 0 < external_id <= MAX_ID else None
    if row is None or row.owner_id != actor_user(actor).id:
        raise NotFound(f"No external calendar {external_id}")
    return row


def create_external(data: dict, *, actor: Actor) -> ExternalCalendar:
    """Add an external calendar with its local copy; the first sync runs after the commit."""
    cleaned = _clean(data, creating=True)
    owner = actor_user(actor)
    cal = external_calendar_row(owner.id, cleaned["name"], uuid.uuid4().hex)
    row = ExternalCalendar(owner_id=owner.id, calendar_id=cal.id, name=cleaned["name"], url=cleaned["url"],
                           username=cleaned.get("username", ""),
                           password_enc=encrypt(cleaned.get("password", "")))
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(SYNC_TASK, row.id)
    return row


def update_external(external_id: int, data: dict, *, actor: Actor) -> ExternalCalendar:
    """Change name, address or credentials; a new address is discovered again."""
    row = get_external(external_id, actor=actor)
    cleaned = _clean(data, creating=False)
    if "name" in cleaned:
        row.name = row.calendar.name = cleaned["name"]
    if "url" in cleaned and cleaned["url"] != row.url:
        row.url, row.resolved_url, row.ctag, row.sync_token = cleaned["url"], None, None, None
    if "username" in cleaned:
        row.username = cleaned["username"]
    if "password" in cleaned:
        row.password_enc = encrypt(cleaned["password"])
    enqueue_after_commit(SYNC_TASK, row.id)
    return row


def delete_external(external_id: int, *, actor: Actor) -> None:
    """Remove the external calendar and its local copy (the server keeps its events)."""
    row = get_external(external_id, actor=actor)
    cal = row.calendar
    db.session.delete(row)
    db.session.delete(cal)


def sync_log(external_id: int, *, actor: Actor, limit: int = 200) -> list[SyncLogEntry]:
    """The latest log entries, newest first."""
    get_external(external_id, actor=actor)
    return list(db.session.scalars(select(SyncLogEntry).where(SyncLogEntry.external_id == external_id)
                                   .order_by(SyncLogEntry.id.desc()).limit(limit)))


def sync_now(external_id: int, *, actor: Actor) -> ExternalCalendar:
    """Sync in this request (the caller's unit of work) and return the state."""
    from calendars.sync import sync_external  # the sync imports the services

    get_external(external_id, actor=actor)
    return sync_external(external_id)
