"""Timeline entries on records, written in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import func, select

from crm import access
from crm.event_types import Change
from crm.models import TimelineEntry
from crm.serialize import json_value
from crm.states import TimelineKind
from deferred_rows import defer_insert
from errors import ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import MAX_ID, User, utcnow


def add_entry(entity: str, record_id: int, kind: str, *, actor: Actor | None, summary: str = "",
              body: str = "", data: dict | None = None) -> TimelineEntry:
    """Add one entry; the caller commits. Process actors note on whose behalf they act."""
    entry = TimelineEntry(**_entry_values(entity, record_id, kind, actor, summary, body, data))
    db.session.add(entry)
    return entry


def _entry_values(entity: str, record_id: int, kind: str, actor: Actor | None, summary: str,
                  body: str, data: dict | None) -> dict:
    """An entry's columns; a process actor's instance and principal noted in `data`."""
    data = dict(data or {})
    if actor is not None and getattr(actor, "instance_id", None):
        data.setdefault("process_instance_id", actor.instance_id)
        data.setdefault("on_behalf_of_id", actor.on_behalf_of_id)
    return {"entity": entity, "record_id": record_id, "kind": kind, "summary": summary[:500], "body": body,
            "data": data, "actor_id": actor_user(actor).id if actor is not None else None}


def insert_entry(entity: str, record_id: int, kind: str, *, actor: Actor | None, summary: str = "") -> None:
    """add_entry for a caller that needs no entry object back (a record's creation): a row
    sent with the transaction's next statement (deferred_rows), no ORM object to flush; a
    process actor's ids noted as add_entry does."""
    values = _entry_values(entity, record_id, kind, actor, summary, "", None)
    defer_insert(TimelineEntry.__table__, {**values, "created_at": utcnow()})


def list_timeline(entity: str, record_id: int, *, actor: Actor, limit: int = 200,
                  before_id: int | None = None) -> list[TimelineEntry]:
    """Entries newest first, for a record the actor may read."""
    from crm.services.records import get_record  # records imports timeline

    get_record(entity, record_id, actor=actor)
    query = select(TimelineEntry).where(
        TimelineEntry.entity == entity, TimelineEntry.record_id == record_id)
    if before_id and 0 < before_id <= MAX_ID:  # others are ignored; PostgreSQL refuses them (a 500)
        query = query.where(TimelineEntry.id < before_id)
    return list(db.session.scalars(query.order_by(TimelineEntry.id.desc()).limit(limit)))


def timeline_version(entity: str, record_id: int, *, actor: Actor) -> str:
    """A short tag that changes when the record's timeline does (entries are only ever added or
    removed): its count and newest id, for a reader's conditional poll."""
    from crm.services.records import get_record

    get_record(entity, record_id, actor=actor)
    count, newest = db.session.execute(
        select(func.count(TimelineEntry.id), func.max(TimelineEntry.id)).where(
            TimelineEntry.entity == entity, TimelineEntry.record_id == record_id)).one()
    return f"{count}-{newest or 0}"


def add_comment(entity: str, record_id: int, text: str, *, actor: Actor) -> TimelineEntry:
    from crm.events import record_change
    from crm.services.records import get_record

    record = get_record(entity, record_id, actor=actor)
    access.require(actor, entity, "edit", record)
    text = (text or "").strip()
    if not text:
        raise ValidationError.from_fields({"text": "A comment cannot be empty"})
    entry = add_entry(entity, record_id, TimelineKind.COMMENT, actor=actor, summary="Comment", body=text)
    record_change(entity, Change.COMMENTED, record_id, {}, actor=actor)
    db.session.flush()
    return entry


def entry_to_dict(entry: TimelineEntry, users: dict[int, User] | None = None) -> dict:
    author = (users or {}).get(entry.actor_id) if entry.actor_id else None
    if author is None and entry.actor_id:
        author = db.session.get(User, entry.actor_id)
    return {
        "id": entry.id, "kind": entry.kind, "summary": entry.summary, "body": entry.body,
        "data": entry.data, "created_at": json_value(entry.created_at),
        "actor": {"id": author.id, "name": author.full_name} if author else None,
    }
