"""The sales funnel: per stage how many readable records reached it, their amount, the
conversion from the stage before, the average days spent in it; won, lost (per lost stage, the
reasons) and leads converted into deals. Every figure is over the access-scoped list query."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select

from crm.entities import REGISTRY, STATUS_FIELDS
from crm.models import Deal, StageHistory
from crm.queries import status_values
from crm.reports.scope import Period, check_entity, scoped
from crm.states import Semantic
from extensions import db
from org.actors import Actor
from org.models import utcnow

WON = {"deal": (Semantic.WON,), "lead": (Semantic.CONVERTED,)}
LOST = {"deal": (Semantic.LOST,), "lead": (Semantic.JUNK,)}


def _rank(column: ColumnElement, ranks: dict[str, int]) -> ColumnElement:
    """A stage's place in the funnel: open stages 0..n-1, won n, anything else -1."""
    return case(ranks, value=column, else_=-1) if ranks else literal(-1)


def _ranks(entity: str) -> tuple[list, dict[str, int]]:
    values = status_values(entity)
    stages = [s for s in values if s.semantic == Semantic.OPEN]
    ranks = {s.code: i for i, s in enumerate(stages)}
    ranks.update({s.code: len(stages) for s in values if s.semantic in WON[entity]})
    return values, ranks


def _reached(entity: str, base: Select, ranks: dict[str, int]) -> dict[int, tuple[int, float]]:
    """{furthest rank reached: (records, amount)}: history and the current stage both count."""
    rec = base.subquery()
    status = rec.c[STATUS_FIELDS[entity]]
    hist = select(StageHistory.record_id.label("rid"),
                  func.max(_rank(StageHistory.to_status, ranks)).label("r")).where(
        StageHistory.entity == entity).group_by(StageHistory.record_id).subquery()
    current = _rank(status, ranks)
    reached = case((hist.c.r > current, hist.c.r), else_=current)
    per = select(reached.label("reached"), rec.c.amount.label("amount")).select_from(
        rec.outerjoin(hist, hist.c.rid == rec.c.id)).subquery()
    rows = db.session.execute(select(per.c.reached, func.count(), func.coalesce(func.sum(per.c.amount), 0))
                              .group_by(per.c.reached))
    return {r: (n, float(a)) for r, n, a in rows}


def _current(entity: str, base: Select) -> dict[str, tuple[int, float]]:
    rec = base.subquery()
    status = rec.c[STATUS_FIELDS[entity]]
    rows = db.session.execute(select(status, func.count(), func.coalesce(func.sum(rec.c.amount), 0))
                              .group_by(status))
    return {s: (n, float(a)) for s, n, a in rows}


def days_between(start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """end - start in days (fractional) on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def _avg_days(entity: str, base: Select) -> dict[str, float]:
    """Average days a stay in each stage lasted (a stay still going counts up to now)."""
    ids = base.with_only_columns(REGISTRY[entity].model.id).subquery()
    h = StageHistory
    left = func.lead(h.changed_at).over(partition_by=h.record_id, order_by=(h.changed_at, h.id))
    stays = select(h.to_status.label("stage"), h.changed_at.label("entered"), left.label("left")).where(
        h.entity == entity, h.record_id.in_(select(ids.c.id))).subquery()
    ended = func.coalesce(stays.c.left, literal(utcnow()))
    rows = db.session.execute(select(stays.c.stage, func.avg(days_between(stays.c.entered, ended)))
                              .group_by(stays.c.stage))
    return {s: round(float(d), 2) for s, d in rows if d is not None}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stage_rows(values: list, ranks: dict, reached: dict, current: dict, days: dict) -> list[dict]:
    out, before = [], None
    for s in [v for v in values if v.semantic == Semantic.OPEN]:
        rank = ranks[s.code]
        count = sum(n for r, (n, _) in reached.items() if r >= rank)
        amount = sum(a for r, (_, a) in reached.items() if r >= rank)
        now = current.get(s.code, (0, 0.0))
        out.append({"stage": s.code, "name": s.name, "count": count, "amount": round(amount, 2),
                    "conversion": _ratio(count, before) if before is not None else None,
                    "avg_days": days.get(s.code), "current": now[0], "current_amount": round(now[1], 2)})
        before = count
    return out


def _closed(values: list, semantics: tuple, current: dict, days: dict) -> dict:
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
    values, ranks = _ranks(entity)
    base = scoped(entity, period, actor=actor)
    reached, current, days = _reached(entity, base, ranks), _current(entity, base), _avg_days(entity, base)
    stages = _stage_rows(values, ranks, reached, current, days)
    won = _closed(values, WON[entity], current, days)
    lost = _closed(values, LOST[entity], current, days)
    total = sum(n for n, _ in current.values())
    won["conversion"] = _ratio(won["count"], stages[0]["count"] if stages else total)
    lost["conversion"] = _ratio(lost["count"], total)
    return {"entity": entity, "total": total, "stages": stages, "won": won, "lost": lost,
            "lead_to_deal": lead_to_deal(period, actor=actor)}


__all__ = ["funnel", "lead_to_deal", "days_between", "and_"]
