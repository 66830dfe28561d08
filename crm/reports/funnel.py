"""The sales funnel: per stage how many readable records reached it, their amount, the
conversion from the stage before, the average days spent in it; won, lost (per lost stage, the
reasons) and leads converted into deals. Every figure is over the access-scoped list query."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, literal, select

from crm.entities import REGISTRY, STATUS_FIELDS
from crm.models import Deal, Pipeline, StageHistory
from crm.queries import status_values
from crm.reports.scope import Period, check_entity, funnel_pipeline, scoped
from crm.services.pipelines import stages_of
from crm.states import Semantic
from extensions import db
from org.actors import Actor
from org.models import utcnow

WON = {"deal": (Semantic.WON,), "lead": (Semantic.CONVERTED,)}
LOST = {"deal": (Semantic.LOST,), "lead": (Semantic.JUNK,)}


def _rank(column: ColumnElement, ranks: dict[str, int]) -> ColumnElement:
    """A stage's place in the funnel: open stages 0..n-1, won n, anything else -1."""
    return case(ranks, value=column, else_=-1) if ranks else literal(-1)


def _ranks(entity: str, pipeline: Pipeline | None) -> tuple[list, dict[str, int]]:
    values = stages_of(pipeline) if pipeline is not None else status_values(entity)
    stages = [s for s in values if s.semantic == Semantic.OPEN]
    ranks = {s.code: i for i, s in enumerate(stages)}
    ranks.update({s.code: len(stages) for s in values if s.semantic in WON[entity]})
    return values, ranks


def _furthest(entity: str, base: Select, ranks: dict[str, int]) -> Select:
    """Each readable record's stage, amount and the furthest rank its history holds (r).

    PostgreSQL: the history grouped per readable record first, then joined (grouping the join by
    record spilled to disk at 200,000 deals). SQLite: the join grouped by record, which walks
    the scope's index and probes the history's (the other shape scanned all history even for
    an empty department)."""
    model, h = REGISTRY[entity].model, StageHistory
    status = getattr(model, STATUS_FIELDS[entity])
    rank, cols = func.max(_rank(h.to_status, ranks)), (status.label("stage"), model.amount.label("amount"))
    if db.engine.dialect.name == "postgresql":
        ids = base.with_only_columns(model.id)
        furthest = select(h.record_id.label("rid"), rank.label("r")).where(
            h.entity == entity, h.record_id.in_(ids)).group_by(h.record_id).subquery()
        return base.with_only_columns(*cols, furthest.c.r).select_from(model).outerjoin(
            furthest, furthest.c.rid == model.id)
    return base.with_only_columns(*cols, rank.label("r")).select_from(model).outerjoin(
        h, and_(h.entity == entity, h.record_id == model.id)).group_by(model.id)


def _per_stage(entity: str, base: Select, ranks: dict[str, int]) -> dict[tuple[str, int], tuple[int, float]]:
    """{(current stage, furthest rank reached): (records, amount)}: the history's furthest stage
    or the current one, whichever lies further."""
    per = _furthest(entity, base, ranks).subquery()
    larger = func.greatest if db.engine.dialect.name == "postgresql" else func.max
    reached = larger(func.coalesce(per.c.r, -1), _rank(per.c.stage, ranks))
    amount = func.coalesce(func.sum(per.c.amount), 0)
    rows = db.session.execute(
        select(per.c.stage, reached, func.count(), amount).group_by(per.c.stage, reached))
    return {(s, r): (n, float(a)) for s, r, n, a in rows}


def days_between(start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """end - start in days (fractional) on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return extract("epoch", end - start) / 86400.0


def _avg_days(entity: str, base: Select) -> dict[str, float]:
    """Average days a stay in each stage lasted (a stay still going counts up to now)."""
    model, h = REGISTRY[entity].model, StageHistory
    spent = days_between(h.changed_at, func.coalesce(h.left_at, literal(utcnow())))
    stmt = base.with_only_columns(h.to_status, func.avg(spent)).select_from(model).join(
        h, and_(h.entity == entity, h.record_id == model.id)).group_by(h.to_status)
    return {s: round(float(d), 2) for s, d in db.session.execute(stmt) if d is not None}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stage_rows(values: list, ranks: dict, per: dict, days: dict) -> list[dict]:
    out, before = [], None
    for s in [v for v in values if v.semantic == Semantic.OPEN]:
        rank = ranks[s.code]
        count = sum(n for (_, r), (n, _) in per.items() if r >= rank)
        amount = sum(a for (_, r), (_, a) in per.items() if r >= rank)
        now = _current(per).get(s.code, (0, 0.0))
        out.append({"stage": s.code, "name": s.name, "count": count, "amount": round(amount, 2),
                    "conversion": _ratio(count, before) if before is not None else None,
                    "avg_days": days.get(s.code), "current": now[0], "current_amount": round(now[1], 2)})
        before = count
    return out


def _current(per: dict) -> dict[str, tuple[int, float]]:
    """{current stage: (records, amount)}."""
    out: dict[str, tuple[int, float]] = {}
    for (stage, _), (n, a) in per.items():
        was = out.get(stage, (0, 0.0))
        out[stage] = (was[0] + n, was[1] + a)
    return out


def _closed(values: list, semantics: tuple, current: dict) -> dict:
    reasons = []
    for s in values:
        if s.semantic in semantics:
            n, amount = current.get(s.code, (0, 0.0))
            reasons.append({"reason": s.code, "name": s.name, "count": n, "amount": round(amount, 2)})
    return {"count": sum(r["count"] for r in reasons), "amount": round(sum(r["amount"] for r in reasons), 2),
            "reasons": reasons}


def lead_to_deal(period: Period, *, actor: Actor) -> dict:
    """Readable leads of the period, how many were converted, and readable deals made from leads."""
    converted = [s.code for s in status_values("lead") if s.semantic == Semantic.CONVERTED]
    leads = scoped("lead", period, actor=actor).subquery()
    n, done = db.session.execute(select(func.count(), func.count(case(
        (leads.c.status.in_(converted), 1))))).one()
    deals = scoped("deal", period, actor=actor).where(Deal.lead_id.is_not(None)).subquery()
    made = db.session.scalar(select(func.count()).select_from(deals))
    return {"leads": n, "converted": done, "deals_from_leads": made, "conversion": _ratio(done, n)}


def funnel(entity: str, period: Period, *, actor: Actor) -> dict:
    """The funnel of `entity` (deal or lead) over the records `actor` may read in `period`."""
    check_entity(entity, ("deal", "lead"))
    pipeline = funnel_pipeline(period) if entity == "deal" else None
    values, ranks = _ranks(entity, pipeline)
    base = scoped(entity, period, actor=actor)
    per, days = _per_stage(entity, base, ranks), _avg_days(entity, base)
    current = _current(per)
    stages = _stage_rows(values, ranks, per, days)
    won = _closed(values, WON[entity], current)
    lost = _closed(values, LOST[entity], current)
    total = sum(n for n, _ in current.values())
    won["conversion"] = _ratio(won["count"], stages[0]["count"] if stages else total)
    lost["conversion"] = _ratio(lost["count"], total)
    return {"entity": entity, "total": total, "stages": stages, "won": won, "lost": lost,
            "pipeline_id": pipeline.id if pipeline is not None else None,
            "lead_to_deal": lead_to_deal(period, actor=actor)}


