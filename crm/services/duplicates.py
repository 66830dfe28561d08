"""Possible duplicates of CRM records: records of one entity sharing a stored key (crm/dedupe.py),
only those the actor may read."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, or_, select

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
CHUNK = 500  # shared keys examined at a time on the duplicates page
MAX_CHUNKS = 20  # at most 10,000 shared keys per page view


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
    """Groups of readable records sharing a key: [{kind, key, records: [{id, title}]}].

    Keys held by more than one record come from the lookup index in key order, a chunk at a
    time; a group counts when at least two of its records are readable."""
    spec = spec_of(entity)
    access.require(actor, spec.name, "read")
    groups: list[dict] = []
    after: tuple[str, str] = ("", "")
    for _ in range(MAX_CHUNKS):
        shared = _shared_keys(spec.name, after)
        if not shared:
            break
        groups += _readable_groups(spec, shared, actor)
        after = shared[-1]
        if len(groups) >= limit or len(shared) < CHUNK:
            break
    groups = groups[:limit]
    model = spec.model
    ids = {r["id"] for g in groups for r in g["records"]}
    titles = {r.id: record_title(r) for r in db.session.scalars(select(model).where(model.id.in_(ids)))}
    for g in groups:
        g["records"] = [{"id": r["id"], "title": titles.get(r["id"], "")} for r in g["records"]]
    return groups


def _shared_keys(entity: str, after: tuple[str, str]) -> list[tuple[str, str]]:
    """The next keys (after `after`) that more than one record holds, read along the index."""
    k = DedupeKey
    later = or_(k.kind > after[0], and_(k.kind == after[0], k.key > after[1]))
    return [tuple(row) for row in db.session.execute(
        select(k.kind, k.key).where(k.entity == entity, later).group_by(k.kind, k.key)
        .having(func.count() > 1).order_by(k.kind, k.key).limit(CHUNK))]


def _readable_groups(spec: object, shared: list[tuple[str, str]], actor: Actor) -> list[dict]:
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for kind in sorted({kind for kind, _ in shared}):
        keys = [key for k, key in shared if k == kind]
        for key, record_id in db.session.execute(select(DedupeKey.key, DedupeKey.record_id).where(
                DedupeKey.entity == spec.name, DedupeKey.kind == kind, DedupeKey.key.in_(keys))):
            members[(kind, key)].append(record_id)
    ids = sorted({i for group in members.values() for i in group})
    model = spec.model
    readable = set(db.session.scalars(access.scope(select(model.id).where(model.id.in_(ids)),
                                                   spec.name, "read", actor)))
    out = []
    for kind, key in shared:
        mine = sorted(i for i in members[(kind, key)] if i in readable)
        if len(mine) > 1:
            out.append({"kind": kind, "key": key, "records": [{"id": i} for i in mine]})
    return out
