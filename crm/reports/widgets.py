"""Figures for the dashboard's widgets, each over the records the viewer may read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from crm.models import Deal, StageHistory, StatusValue
from crm.queries import status_values
from crm.services.records import select_records
from crm.states import Semantic
from extensions import db
from org.actors import Actor, actor_user


def my_deals_by_stage(*, actor: Actor, stages: list[StatusValue] | None = None) -> list[dict]:
    """The actor's open deals per open stage: count and amount (`stages`: the deal stages, when
    the caller has them already)."""
    rec = select_records("deal", actor=actor).where(
        Deal.responsible_id == actor_user(actor).id, Deal.closed.is_(False)).subquery()
    rows = dict((s, (n, a)) for s, n, a in db.session.execute(
        select(rec.c.stage, func.count(), func.coalesce(func.sum(rec.c.amount), 0)).group_by(rec.c.stage)))
    return [{"stage": s.code, "name": s.name, "count": rows.get(s.code, (0, 0))[0],
             "amount": float(rows.get(s.code, (0, 0))[1])}
            for s in (stages if stages is not None else status_values("deal")) if s.semantic == Semantic.OPEN]


def month_start(now: datetime, back: int = 0) -> datetime:
    """The first moment of the month `back` months before `now`'s."""
    year, month = divmod(now.year * 12 + now.month - 1 - back, 12)
    return datetime(year, month + 1, 1)


def won_by_month(now: datetime, *, actor: Actor, stages: list[StatusValue] | None = None) -> dict:
    """Readable deals that entered a won stage this month and last month (count, amount), in
    one statement; `stages`: the deal stages, when the caller has them already."""
    stages = stages if stages is not None else status_values("deal")
    won = [s.code for s in stages if s.semantic == Semantic.WON]
    rec = select_records("deal", actor=actor).subquery()
    months = {key: (month_start(now, back), month_start(now, back - 1))
              for key, back in (("this_month", 0), ("last_month", 1))}
    figures = []
    for start, end in months.values():
        entered = rec.c.id.in_(select(StageHistory.record_id).where(
            StageHistory.entity == "deal", StageHistory.to_status.in_(won),
            StageHistory.changed_at >= start, StageHistory.changed_at < end))
        figures += [func.sum(case((entered, 1), else_=0)), func.sum(case((entered, rec.c.amount), else_=0))]
    row = db.session.execute(select(*figures).where(rec.c.stage.in_(won))).one()
    return {key: {"count": int(row[2 * n] or 0), "amount": float(row[2 * n + 1] or 0),
                  "from": start.date().isoformat()} for n, (key, (start, _end)) in enumerate(months.items())}


def leads_by_source(*, actor: Actor, limit: int = 8) -> list[dict]:
    """Readable leads per source, the most frequent first."""
    rec = select_records("lead", actor=actor).subquery()
    rows = db.session.execute(select(rec.c.source, func.count().label("n")).group_by(rec.c.source)
                              .order_by(func.count().desc(), rec.c.source).limit(limit))
    return [{"source": s or "", "count": n} for s, n in rows]


