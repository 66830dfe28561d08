"""Records as JSON-clean dicts (API answers, event payloads, process variables)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm.util import identity_key

from crm.entities import ENTITIES, record_title
from crm.models import RecordEmail
from crm.states import FieldKind
from extensions import db
from org.models import User


def json_value(value: object) -> object:
    """Decimals become numbers and datetimes ISO strings (UTC, with a Z)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    return value


# Inside `shared_reads()`: e-mail lists already read, by (entity, ids); records and their
# responsible users, by (model, id).
_SHARED: ContextVar[dict | None] = ContextVar("shared_email_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Read each record and its e-mails once in this block (the consumers of one outbox event: the
    engine's record variable and the search document want the same). A change to them records
    its own event, whose delivery reads them afresh."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared_get(model: type, record_id: int) -> object | None:
    """`db.session.get`; inside `shared_reads()` the record stays in the session's identity map (which
    holds records weakly) so that the next consumer's get finds it without a query.

    Inside `shared_reads()` a record the session does not hold is read with its responsible user in
    the same SELECT, that user kept too: a process started on the event assigns its first user
    task to them most often (engine.assignment gets them by id), which then costs no statement."""
    shared = _SHARED.get()
    if (shared is None or not hasattr(model, "responsible_id")
            or db.session.identity_map.get(identity_key(model, record_id)) is not None):
        record = db.session.get(model, record_id)  # a held record: refreshed if expired, else no query
    else:
        row = db.session.execute(_with_responsible(model), {"record_id": record_id}).first()
        record, responsible = row if row is not None else (None, None)
        if responsible is not None:
            shared[(User, responsible.id)] = responsible
    if shared is not None and record is not None:
        shared[(model, record_id)] = record
    return record


@cache  # the statement, not its rows: built once per record type
def _with_responsible(model: type) -> Select:
    return (select(model, User).outerjoin(User, User.id == model.responsible_id)
            .where(model.id == bindparam("record_id")))


EMAILS_HINT = "crm.emails"


def emails_exist() -> ColumnElement[bool]:
    """The claim's hint: the event's record has e-mail addresses (a new lead often has none)."""
    from crm.outbox_hints import claimed_column

    return select(RecordEmail.id).where(RecordEmail.entity == claimed_column("entity"),
                                        RecordEmail.record_id == claimed_column("entity_id")).exists()


def known_without_emails(entity: str, record_id: int) -> None:
    """Inside `shared_reads()`: the record has no e-mails (the claim's hint said so): not read."""
    shared = _SHARED.get()
    if shared is not None:
        shared.setdefault((entity, (record_id,)), {})


def emails_of(entity: str, ids: list[int]) -> dict[int, list[str]]:
    """E-mail lists for many records of one type in one query."""
    shared, key = _SHARED.get(), (entity, tuple(ids))
    if shared is not None and key in shared:
        return defaultdict(list, {k: list(v) for k, v in shared[key].items()})
    found = _read_emails(entity, ids)
    if shared is not None:
        shared[key] = {k: list(v) for k, v in found.items()}
    return found


def _read_emails(entity: str, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.execute(_emails_query(), {"entity": entity, "ids": list(ids)})
    for record_id, email in rows:
        found[record_id].append(email)
    return found


@cache  # the statement, not its rows: built once (the relay reads a record's e-mails per event)
def _emails_query() -> Select:
    return (select(RecordEmail.record_id, RecordEmail.email)
            .where(RecordEmail.entity == bindparam("entity"),
                   RecordEmail.record_id.in_(bindparam("ids", expanding=True)))
            .order_by(RecordEmail.record_id, RecordEmail.position))


def record_to_dict(record: object, emails: list[str] | None = None) -> dict:
    spec = ENTITIES[record.entity]
    if emails is None:
        emails = emails_of(spec.name, [record.id]).get(record.id, [])
    out: dict = {"id": record.id, "entity": spec.name, "display_title": record_title(record)}
    for f in spec.fields:
        out[f.name] = emails if f.kind == FieldKind.EMAILS else json_value(getattr(record, f.name))
    for name in spec.read_only:
        out[name] = getattr(record, name)
    out["created_at"] = json_value(record.created_at)
    out["updated_at"] = json_value(record.updated_at)
    out["created_by_id"] = record.created_by_id
    out["version"] = record.version  # the ETag; send it back as If-Match
    return out


def records_to_dicts(entity: str, records: list) -> list[dict]:
    emails = emails_of(entity, [r.id for r in records])
    return [record_to_dict(r, emails.get(r.id, [])) for r in records]
