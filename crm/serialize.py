"""Records as JSON-clean dicts (API answers, event payloads, process variables)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from crm.entities import ENTITIES, record_title
from crm.models import RecordEmail
from crm.states import FieldKind
from extensions import db


def json_value(value: object) -> object:
    """Decimals become numbers and datetimes ISO strings (UTC, with a Z)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    return value


def emails_of(entity: str, ids: list[int]) -> dict[int, list[str]]:
    """E-mail lists for many records of one type in one query."""
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.execute(
        select(RecordEmail.record_id, RecordEmail.email)
        .where(RecordEmail.entity == entity, RecordEmail.record_id.in_(ids))
        .order_by(RecordEmail.record_id, RecordEmail.position)
    )
    for record_id, email in rows:
        found[record_id].append(email)
    return found


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
