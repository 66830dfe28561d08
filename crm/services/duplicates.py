"""Possible duplicates of CRM records: records of one entity sharing a stored key (crm/dedupe.py),
only those the actor may read."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, select

from crm import access
from crm.dedupe import query_keys
from crm.entities import record_title
from crm.models import DedupeKey
from crm.serialize import records_to_dicts
from crm.services.records import get_record, spec_of
from extensions import db
from org.actors import Actor

MAX_CANDIDATES = 20
MAX_PER_KEY = 200  # a key shared by more (a switchboard number) names only the first ones
MAX_GROUPS = 100


def find_candidates(entity: str, keys: set[tuple[str, str]], *, actor: Actor,
                    exclude: tuple[int, ...] = ()) -> list[dict]:
    """Readable records with any of `keys`, each with the kinds that matched ("email", "phone")."""
    spec = spec_of(entity)
    model = spec.model
    kinds: dict[int, set[str]] = defaultdict(set)
    for kind, key in sorted(keys):  # one indexed lookup per key (an OR of them may scan the table)
        for record_id in db.session.scalars(select(DedupeKey.record_id).where(
                DedupeKey.entity == spec.name, DedupeKey.kind == kind, DedupeKey.key == key)
                .order_by(DedupeKey.record_id).limit(MAX_PER_KEY)):
            if record_id not in exclude:
                kinds[record_id].add(kind)
    if not kinds:
        return []
    readable = access.scope(select(model).where(model.id.in_(sorted(kinds))), spec.name, "read", actor)
    records = list(db.session.scalars(readable.order_by(model.id).limit(MAX_CANDIDATES)))
    return [{**row, "matched": sorted(kinds[row["id"]])} for row in records_to_dicts(spec.name, records)]


def duplicates_for_input(entity: str, *, actor: Actor, email: str = "", phone: str = "",
                         title: str = "", company_id: object = None) -> list[dict]:
    """Candidates for a record about to be created (a form being typed, an API client asking);
    none for someone who may read no such records (they may still add them)."""
    if not access.can(actor, spec_of(entity).name, "read"):
        return []
    keys = query_keys(spec_of(entity).name, email=email, phone=phone, title=title, company_id=company_id)
    return find_candidates(entity, keys, actor=actor)


def duplicates_of_record(entity: str, record_id: int, *, actor: Actor) -> list[dict]:
    """Candidates sharing a key with an existing record (itself left out)."""
    record = get_record(entity, record_id, actor=actor)
    keys = {(k, v) for k, v in db.session.execute(select(DedupeKey.kind, DedupeKey.key).where(
        DedupeKey.entity == record.entity, DedupeKey.record_id == record_id))}
    return find_candidates(entity, keys, actor=actor, exclude=(record_id,))


def duplicate_groups(entity: str, *, actor: Actor, limit: int = MAX_GROUPS) -> list[dict]:
    """Groups of readable records sharing a key: [{kind, key, records: [{id, title}]}]."""
    spec = spec_of(entity)
    access.require(actor, spec.name, "read")
    model = spec.model
    readable = access.scope(select(DedupeKey.kind, DedupeKey.key, DedupeKey.record_id)
                            .join(model, model.id == DedupeKey.record_id)
                            .where(DedupeKey.entity == spec.name), spec.name, "read", actor).subquery()
    shared = (select(readable.c.kind, readable.c.key).group_by(readable.c.kind, readable.c.key)
              .having(func.count() > 1).order_by(readable.c.kind, readable.c.key).limit(limit)).subquery()
    rows = db.session.execute(select(readable.c.kind, readable.c.key, readable.c.record_id).join(
        shared, and_(shared.c.kind == readable.c.kind, shared.c.key == readable.c.key))
        .order_by(readable.c.kind, readable.c.key, readable.c.record_id)).all()
    ids = {r.record_id for r in rows}
    titles = {r.id: record_title(r) for r in db.session.scalars(select(model).where(model.id.in_(ids)))}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for kind, key, record_id in rows:
        groups[(kind, key)].append({"id": record_id, "title": titles.get(record_id, "")})
    return [{"kind": k, "key": v, "records": recs} for (k, v), recs in groups.items()]
