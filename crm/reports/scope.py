"""The records a report covers: readable by the actor, created in a period, owned by chosen
people or departments (and their sub-departments)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_

from crm.entities import ENTITIES, REGISTRY
from crm.models import Pipeline
from crm.services.pipelines import default_pipeline, get_pipeline
from crm.services.records import select_records
from errors import ValidationError
from extensions import db
from org.models import Department, valid_id

REPORT_ENTITIES = tuple(ENTITIES)  # the generic records (leads, contacts, companies, deals)


@dataclass(frozen=True)
class Period:
    """Records created from `start` (a date, included) to `end` (a date, included)."""

    start: date | None = None
    end: date | None = None
    responsible_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    filters: dict = field(default_factory=dict)
    pipeline_id: int | None = None  # deals: one pipeline's (None: the default pipeline's)


def _date(name: str, raw: str | None, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        errors[name] = "Expected a date (YYYY-MM-DD)"
        return None


def _ids(name: str, raw: object, errors: dict) -> tuple[int, ...]:
    values = raw if isinstance(raw, (list, tuple)) else [v for v in str(raw or "").split(",") if v.strip()]
    if not all(valid_id(str(v).strip()) for v in values):
        errors[name] = "Expected ids separated by commas"
        return ()
    return tuple(int(str(v).strip()) for v in values)


def _one_id(name: str, raw: object, errors: dict) -> int | None:
    found = _ids(name, raw, errors)
    if len(found) > 1:
        errors[name] = "Expected one id"
    return found[0] if found else None


def parse_period(args: dict, *, from_key: str = "from", to_key: str = "to") -> Period:
    """A Period from query-string style values; 422 naming the field on bad input."""
    errors: dict[str, str] = {}
    period = Period(start=_date(from_key, args.get(from_key), errors),
                    end=_date(to_key, args.get(to_key), errors),
                    responsible_ids=_ids("responsible_id", args.get("responsible_id"), errors),
                    department_ids=_ids("department_id", args.get("department_id"), errors),
                    pipeline_id=_one_id("pipeline_id", args.get("pipeline_id"), errors))
    if period.start and period.end and period.start > period.end:
        errors[to_key] = "The end lies before the start"
    if errors:
        raise ValidationError.from_fields(errors)
    return period


def check_entity(entity: str, allowed: tuple[str, ...] = REPORT_ENTITIES) -> str:
    if entity not in allowed:
        raise ValidationError.from_fields({"entity": f"One of {', '.join(allowed)}"})
    return entity


def scoped(entity: str, period: Period, *, actor: object) -> Select:
    """The readable records of `entity` within the period, people and departments."""
    model = REGISTRY[entity].model
    stmt = select_records(entity, actor=actor, filters=dict(period.filters))
    if period.start:
        stmt = stmt.where(model.created_at >= datetime.combine(period.start, datetime.min.time()))
    if period.end:
        after = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
        stmt = stmt.where(model.created_at < after)
    if period.responsible_ids:
        stmt = stmt.where(model.responsible_id.in_(period.responsible_ids))
    if entity == "deal":
        stmt = stmt.where(_in_pipeline(model, period.pipeline_id))
    if period.department_ids:
        paths = [p for p in db.session.scalars(
            db.select(Department.path).where(Department.id.in_(period.department_ids)))]
        stmt = stmt.where(or_(*[model.dept_path.startswith(p) for p in paths]) if paths else db.false())
    return stmt


def funnel_pipeline(period: Period) -> Pipeline:
    """The pipeline a deal funnel covers (404 naming an unknown id)."""
    return get_pipeline(period.pipeline_id) if period.pipeline_id else default_pipeline()


def _in_pipeline(model: type, pipeline_id: int | None) -> ColumnElement:
    """Deals of the pipeline; the default one also holds deals that never named one."""
    pipeline = get_pipeline(pipeline_id) if pipeline_id else default_pipeline()
    mine = model.pipeline_id == pipeline.id
    return or_(mine, model.pipeline_id.is_(None)) if pipeline.is_default else mine
