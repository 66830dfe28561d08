"""The read side: access-scoped queries that pages and the API share.

Every function returns only what the actor may read (through crm.access); callers never build
their own scoped queries. Records are named by entity (crm.entities.REGISTRY).
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, select, union_all

from crm import access
from crm.entities import REGISTRY, STATUS_FIELDS, record_title
from crm.models import StatusValue
from extensions import db
from org.actors import Actor


def titles_by_id(entity: str, ids: set[int | None] | list[int | None], *, actor: Actor) -> dict[int, str]:
    """Titles of the records of one type the actor may read, by id."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    model = REGISTRY[entity].model
    stmt = access.scope(select(model), entity, "read", actor).where(model.id.in_(wanted))
    return {r.id: record_title(r) for r in db.session.scalars(stmt)}


def counts_by_entity(wanted: dict[str, dict], *, actor: Actor) -> dict[str, tuple[int, int]]:
    """Per entity, in one statement: (records the actor may read, of those the ones matching its
    column filters: a value or a list each). The dashboard's cards, one query for every type."""
    parts = []
    for entity, where in wanted.items():
        model = REGISTRY[entity].model
        rec = access.scope(select(model), entity, "read", actor).subquery()
        match = [rec.c[name].in_(value) if isinstance(value, (list, tuple)) else rec.c[name] == value
                 for name, value in where.items()]
        matching = func.sum(case((and_(*match), 1), else_=0)) if match else func.count()
        parts.append(select(literal(entity).label("entity"), func.count().label("total"),
                            func.coalesce(matching, 0).label("matching")).select_from(rec))
    if not parts:
        return {}
    rows = db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0])
    return {entity: (int(total), int(matching)) for entity, total, matching in rows}


def records_where(entity: str, column: str, value: object, *, actor: Actor, limit: int) -> list:
    """The newest readable records of `entity` whose `column` is `value` (any column, fields or not)."""
    model = REGISTRY[entity].model
    stmt = access.scope(select(model), entity, "read", actor).where(getattr(model, column) == value)
    return list(db.session.scalars(stmt.order_by(model.id.desc()).limit(limit)))


def status_values(entity: str) -> list[StatusValue]:
    """The entity's statuses (lead) or stages (deal) in their order."""
    return list(db.session.scalars(
        select(StatusValue).where(StatusValue.entity == entity).order_by(StatusValue.sort)))


def status_values_by_entity() -> dict[str, list[StatusValue]]:
    """The status lists of every entity whose rights may differ per status."""
    out: dict[str, list[StatusValue]] = {e: [] for e in STATUS_FIELDS}
    for row in db.session.scalars(select(StatusValue).order_by(StatusValue.entity, StatusValue.sort)):
        if row.entity in out:
            out[row.entity].append(row)
    return out
