"""Kanban boards: leads by status, deals by stage (of one pipeline), read through access rights.

A board is columns (one per status) with the count and the amount total of the records the
actor may read, and one page of cards per column (keyset paging, crm/paging.py). Moving a card
is no function of its own: it is `records.update_record`, the edit form's change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, case, func, select

from crm import access
from crm.company_settings import company_currency
from crm.entities import STATUS_FIELDS, Entity
from crm.paging import Page
from crm.queries import status_values
from crm.services.pipelines import default_pipeline, get_pipeline, stages_of
from crm.services.records import list_records, select_records, spec_of
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor
from org.models import Department, valid_id

BOARD_ENTITIES = tuple(STATUS_FIELDS)  # the entities whose status columns carry rights: lead, deal
FILTERS = ("responsible", "department", "created_from", "created_to", "source", "pipeline_id")


@dataclass
class Board:
    entity: str
    pipeline_id: int | None
    currency: str
    columns: list[dict]


def board_spec(entity_name: str) -> Entity:
    spec = spec_of(entity_name)
    if spec.name not in BOARD_ENTITIES:
        raise NotFound(f"No board for {spec.plural}")
    return spec


def parse_filters(entity: str, raw: dict) -> dict:
    """Board filters from query parameters, checked (422 naming the parameter)."""
    out: dict = {}
    errors: dict[str, str] = {}
    for name in FILTERS:
        value = str(raw.get(name) or "").strip()
        if not value:
            continue
        if name in ("responsible", "department", "pipeline_id"):
            if not valid_id(value):
                errors[name] = "Expected an id"
                continue
            out[name] = int(value)
        elif name in ("created_from", "created_to"):
            try:
                out[name] = date.fromisoformat(value)
            except ValueError:
                errors[name] = "Expected a date (YYYY-MM-DD)"
        elif name == "source" and entity == "lead":
            out[name] = value[:100]
        else:
            errors[name] = "Not a filter of this board"
    if errors:
        raise ValidationError.from_fields(errors)
    return out


def _pipeline_id(entity: str, filters: dict) -> int | None:
    if entity != "deal":
        return None
    return filters.get("pipeline_id") or default_pipeline().id


def _scoped(entity: str, actor: Actor, filters: dict) -> Select:
    """The readable records the filters leave (a Select of the model)."""
    spec = board_spec(entity)
    plain = {"responsible_id": str(filters["responsible"])} if "responsible" in filters else {}
    if "source" in filters:
        plain["source"] = filters["source"]
    stmt = select_records(spec.name, actor=actor, filters=plain)
    model = spec.model
    if "department" in filters:
        dep = db.session.get(Department, filters["department"])
        if dep is None:
            raise ValidationError.from_fields({"department": f"No department {filters['department']}"})
        stmt = stmt.where(model.dept_path.startswith(dep.path, autoescape=True))
    if "created_from" in filters:
        stmt = stmt.where(model.created_at >= datetime.combine(filters["created_from"], time()))
    if "created_to" in filters:
        until = datetime.combine(filters["created_to"] + timedelta(days=1), time())
        stmt = stmt.where(model.created_at < until)
    if entity == "deal":
        pipeline = get_pipeline(_pipeline_id(entity, filters))
        stmt = stmt.where(model.pipeline_id == pipeline.id)
    return stmt


def _statuses(entity: str, pipeline_id: int | None) -> list:
    return stages_of(get_pipeline(pipeline_id)) if entity == "deal" else status_values(entity)


def board(entity_name: str, *, actor: Actor, filters: dict) -> Board:
    """The board's columns, each with count, amount total and whether the actor may drop there."""
    spec = board_spec(entity_name)
    access.require(actor, spec.name, "read")
    pipeline_id = _pipeline_id(spec.name, filters)
    filters = {**filters, "pipeline_id": pipeline_id} if pipeline_id else filters  # looked up once
    # the company currency set in Settings → Company, else the installation's default
    currency = company_currency() or current_app.config.get("CURRENCY", "EUR")
    totals = _totals(spec, actor, filters, currency)
    columns = []
    for status in _statuses(spec.name, pipeline_id):
        count, amount, foreign = totals.get(status.code, (0, Decimal(0), 0))
        columns.append({"code": status.code, "name": status.name, "semantic": status.semantic,
                        "count": count, "amount": float(amount), "other_currencies": foreign,
                        "droppable": access.may_move_to(actor, spec.name, status.code)})
    return Board(spec.name, pipeline_id, currency, columns)


def _totals(spec: Entity, actor: Actor, filters: dict, currency: str) -> dict[str, tuple]:
    """{status: (count, amount in the company currency, records with an amount in another one)}:
    one grouped query over the readable rows (no exchange rates: other currencies are counted)."""
    sub = _scoped(spec.name, actor, filters).subquery()
    status = sub.c[spec.status_field]
    mine = sub.c.currency.in_([currency, ""])
    stmt = select(status, func.count(), func.sum(case((mine, sub.c.amount), else_=None)),
                  func.count(case((~mine & sub.c.amount.is_not(None), 1), else_=None))).group_by(status)
    return {code: (count, Decimal(str(amount or 0)), foreign)
            for code, count, amount, foreign in db.session.execute(stmt)}


def board_with_cards(entity_name: str, *, actor: Actor, filters: dict, limit: int = 20) -> Board:
    """The board with each column's first page of cards under "page", the pipeline and the rights
    scope resolved once (a column_page per column looked the pipeline and its stages up again,
    4 statements a column); an empty column costs no query."""
    found = board(entity_name, actor=actor, filters=filters)
    spec = board_spec(found.entity)
    pinned = {**filters, "pipeline_id": found.pipeline_id} if found.pipeline_id else filters
    scoped = _scoped(spec.name, actor, pinned)
    status = getattr(spec.model, spec.status_field)
    for col in found.columns:
        col["page"] = Page([], None) if not col["count"] else list_records(
            spec.name, actor=actor, sort="-id", limit=limit, base=scoped.where(status == col["code"]))
    return found


def column_page(entity_name: str, column: str, *, actor: Actor, filters: dict,
                cursor: str | None = None, limit: int = 20) -> Page:
    """One page of a column's cards, newest first; `cursor` is the previous page's `next`."""
    spec = board_spec(entity_name)
    codes = [s.code for s in _statuses(spec.name, _pipeline_id(spec.name, filters))]
    code = str(column or "").strip().upper()
    if code not in codes:
        raise ValidationError.from_fields({"column": f"Must be one of {', '.join(codes)}"})
    stmt = _scoped(spec.name, actor, filters).where(getattr(spec.model, spec.status_field) == code)
    return list_records(spec.name, actor=actor, sort="-id", limit=limit, cursor=cursor, base=stmt)
