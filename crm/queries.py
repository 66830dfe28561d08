"""The read side: access-scoped queries that pages and the API share.

Every function returns only what the actor may read (through crm.access); callers never build
their own scoped queries. Records are named by entity (crm.entities.REGISTRY).
"""
from __future__ import annotations

from sqlalchemy import func, select

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


def count_records(entity: str, *, actor: Actor, **where: object) -> int:
    """How many records of a type the actor may read (optionally filtered by column: a value or a list)."""
    model = REGISTRY[entity].model
    stmt = access.scope(select(model), entity, "read", actor)
    for name, value in where.items():
        column = getattr(model, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, (list, tuple)) else column == value)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


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
