"""What the index holds for each record: a title, body lines and the access attributes."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, select

from crm.models import Company, Contact, CrmTask, Deal, Lead, TimelineEntry
from crm.serialize import emails_of
from extensions import db

ENTITIES = ("lead", "contact", "company", "deal", "task")
MODELS = {"lead": Lead, "contact": Contact, "company": Company, "deal": Deal, "task": CrmTask}
MAX_COMMENTS = 50
MAX_BODY = 20_000


@dataclass
class Document:
    entity: str
    record_id: int
    title: str
    body: str
    responsible_id: int | None
    dept_path: str
    status: str | None
    created_by_id: int | None
    source_updated_at: datetime | None = None


def phone_variants(phone: str) -> list[str]:
    """The number as typed, plus its digits (and the last ten) so "5550100" finds it."""
    digits = re.sub(r"\D", "", phone)
    out = [phone]
    if digits and digits != phone:
        out.append(digits)
    if len(digits) > 10:
        out.append(digits[-10:])
    return out


def comments_of(entity: str, ids: list[int]) -> dict[int, list[str]]:
    """Timeline comments, newest first, for many records of one type."""
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.execute(
        select(TimelineEntry.record_id, TimelineEntry.body)
        .where(TimelineEntry.entity == entity, TimelineEntry.record_id.in_(ids),
               TimelineEntry.kind == "comment")
        .order_by(TimelineEntry.record_id, TimelineEntry.id.desc()))
    for record_id, body in rows:
        if len(found[record_id]) < MAX_COMMENTS:
            found[record_id].append(body)
    return found


def title_of(entity: str, row: Row) -> str:
    if entity == "contact":
        name = f"{row.first_name or ''} {row.last_name or ''}".strip()
        return name or f"Contact #{row.id}"
    return row.title or f"{entity.capitalize()} #{row.id}"


def _names(entity: str, ids: set[int | None]) -> dict[int, str]:
    """Titles of the companies or names of the contacts that records point at."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    table = MODELS[entity].__table__
    rows = db.session.execute(select(table).where(table.c.id.in_(wanted)))
    return {r.id: title_of(entity, r) for r in rows}


def _lines(row: Row, entity: str, related: dict) -> list[str]:
    if entity == "task":
        return [row.description or ""]
    lines: list[str] = []
    if entity == "lead":
        lines += [f"{row.first_name} {row.last_name}", row.company_name, row.source]
    elif entity == "contact":
        lines += [row.position, related["company"].get(row.company_id, "")]
    elif entity == "company":
        lines.append(row.industry)
    elif entity == "deal":
        lines += [related["company"].get(row.company_id, ""), related["contact"].get(row.contact_id, "")]
    lines += related["emails"].get(row.id, [])
    lines += [" ".join(phone_variants(str(p))) for p in row.phones or []]
    if entity == "lead":
        lines.append(row.comments or "")
    return lines


def load_rows(entity: str, ids: list[int]) -> list[Row]:
    table = MODELS[entity].__table__
    return list(db.session.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)))


def build_documents(entity: str, rows: list[Row]) -> list[Document]:
    """Documents for many records of one type (table rows), with a fixed number of queries."""
    ids = [r.id for r in rows]
    fields = set(rows[0]._fields) if rows else set()
    related = {
        "emails": emails_of(entity, ids) if entity != "task" else {},
        "company": _names("company", {r.company_id for r in rows}) if "company_id" in fields else {},
        "contact": _names("contact", {r.contact_id for r in rows}) if "contact_id" in fields else {},
    }
    comments = comments_of(entity, ids)
    docs = []
    for r in rows:
        lines = [s.strip() for s in _lines(r, entity, related) + comments.get(r.id, []) if s and s.strip()]
        status = r.stage if entity == "deal" else (r.status if "status" in fields else None)
        docs.append(Document(entity, r.id, title_of(entity, r), "\n".join(lines)[:MAX_BODY],
                             r.responsible_id, r.dept_path or "", status, r.created_by_id, r.updated_at))
    return docs


def hidden_names(entity: str, record_ids: list[int], actor: object) -> dict[int, set[str]]:
    """Per record, the titles of the companies and contacts it points at that `actor` may not read:
    a snippet must not show them (the index holds them for those who may)."""
    if entity not in ("contact", "deal", "lead") or not record_ids:
        return {}
    from crm import access

    rows = load_rows(entity, record_ids)
    out: dict[int, set[str]] = {}
    for target in ("company", "contact"):
        column = f"{target}_id"
        wanted = {getattr(r, column) for r in rows if getattr(r, column, None)}
        if not wanted:
            continue
        model = MODELS[target]
        hidden = {row.id: title_of(target, row) for row in db.session.scalars(
            select(model).where(model.id.in_(wanted))) if not access.can(actor, target, "read", row)}
        for r in rows:
            if getattr(r, column, None) in hidden:
                out.setdefault(r.id, set()).add(hidden[getattr(r, column)])
    return out

