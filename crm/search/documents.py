"""What the index holds for each record: a title, body lines and the access attributes."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Row, Select, bindparam, select

from crm.entities import REGISTRY, Entity, record_title
from crm.models import TimelineEntry
from crm.serialize import emails_of
from crm.states import FieldKind, TimelineKind
from extensions import db

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
    rows = db.session.execute(_comments_query(), {"entity": entity, "ids": list(ids)})
    for record_id, body in rows:
        if len(found[record_id]) < MAX_COMMENTS:
            found[record_id].append(body)
    return found


@cache  # the statement, not its rows: built once (the search index reads them per relayed event)
def _comments_query() -> Select:
    return (select(TimelineEntry.record_id, TimelineEntry.body)
            .where(TimelineEntry.entity == bindparam("entity"),
                   TimelineEntry.record_id.in_(bindparam("ids", expanding=True)),
                   TimelineEntry.kind == TimelineKind.COMMENT)
            .order_by(TimelineEntry.record_id, TimelineEntry.id.desc()))


def title_of(entity: str, row: Row) -> str:
    return record_title(row, entity)


def ref_lines(spec: Entity) -> dict[str, str]:
    """The ref fields among the entity's search lines, with the entity each points at."""
    out = {}
    for line in spec.search_lines:
        f = spec.field(line)
        if f is not None and f.kind == FieldKind.REF:
            out[line] = f.ref
    return out


def _names(entity: str, ids: set[int | None]) -> dict[int, str]:
    """Titles of the records (companies, contacts) that records point at."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    table = REGISTRY[entity].model.__table__
    rows = db.session.execute(select(table).where(table.c.id.in_(wanted)))
    return {r.id: title_of(entity, r) for r in rows}


def _line(spec: Entity, row: Row, line: str, related: dict) -> list[str]:
    if line == "emails":
        return related["emails"].get(row.id, [])
    if line == "phones":
        return [" ".join(phone_variants(str(p))) for p in row.phones or []]
    if line in related:
        return [related[line].get(getattr(row, line), "")]
    if " " in line:
        return [" ".join(f"{getattr(row, c)}" for c in line.split())]
    return [getattr(row, line) or ""]


def _lines(row: Row, spec: Entity, related: dict) -> list[str]:
    return [text for line in spec.search_lines for text in _line(spec, row, line, related)]


def load_rows(entity: str, ids: list[int]) -> list[Row]:
    table = REGISTRY[entity].model.__table__
    return list(db.session.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)))


def build_documents(entity: str, rows: list[Row], *, comments: bool = True) -> list[Document]:
    """Documents for many records of one type (table rows), with a fixed number of queries;
    `comments=False` when the caller knows they have none (no timeline read)."""
    spec = REGISTRY[entity]
    ids = [r.id for r in rows]
    related = {field: _names(target, {getattr(r, field) for r in rows})
               for field, target in ref_lines(spec).items()}
    related["emails"] = emails_of(entity, ids) if spec.has_emails else {}
    comments = comments_of(entity, ids) if comments else {}
    docs = []
    for r in rows:
        lines = [s.strip() for s in _lines(r, spec, related) + comments.get(r.id, []) if s and s.strip()]
        status = getattr(r, spec.status_field) if spec.status_field else None
        docs.append(Document(entity, r.id, title_of(entity, r), "\n".join(lines)[:MAX_BODY],
                             r.responsible_id, r.dept_path or "", status, r.created_by_id, r.updated_at))
    return docs


# Records whose titles a snippet shows of the records pointing at them.
_NAMED_REFS = ("company", "contact")


def hidden_names(entity: str, record_ids: list[int], actor: object) -> dict[int, set[str]]:
    """Per record, the titles of the companies and contacts it points at that `actor` may not read:
    a snippet must not show them (the index holds them for those who may)."""
    refs = [(f.ref, f.name) for f in REGISTRY[entity].fields if f.ref in _NAMED_REFS]
    if not refs or not record_ids:
        return {}
    from crm import access

    rows = load_rows(entity, record_ids)
    out: dict[int, set[str]] = {}
    for target, column in refs:
        wanted = {getattr(r, column) for r in rows if getattr(r, column, None)}
        if not wanted:
            continue
        model = REGISTRY[target].model
        hidden = {row.id: title_of(target, row) for row in db.session.scalars(
            select(model).where(model.id.in_(wanted))) if not access.can(actor, target, "read", row)}
        for r in rows:
            if getattr(r, column, None) in hidden:
                out.setdefault(r.id, set()).add(hidden[getattr(r, column)])
    return out

