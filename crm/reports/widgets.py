"""Figures for the dashboard's widgets, each over the records the viewer may read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from crm.models import Deal, StageHistory
from crm.queries import status_values
from crm.services.records import select_records
from crm.states import Semantic
from extensions import db
from org.actors import Actor, actor_user


def my_deals_by_stage(*, actor: Actor) -> list[dict]:
    """The actor's open deals per open stage: count and amount."""
    rec = select_records("deal", actor=actor).where(
        Deal.responsible_id == actor_user(actor).id, Deal.closed.is_(False)).subquery()
    rows = dict((s, (n, a)) for s, n, a in db.session.execute(
        select(rec.c.stage, func.count(), func.coalesce(func.sum(rec.c.amount), 0)).group_by(rec.c.stage)))
    return [{"stage": s.code, "name": s.name, "count": rows.get(s.code, (0, 0))[0],
             "amount": float(rows.get(s.code, (0, 0))[1])}
            for s in status_values("deal") if s.semantic == Semantic.OPEN]


def month_start(now: datetime, back: int = 0) -> datetime:
    """The first moment of the month `back` months before `now`'s."""
    year, month = divmod(now.year * 12 + now.month - 1 - back, 12)
    return datetime(year, month + 1, 1)


def won_by_month(now: datetime, *, actor: Actor) -> dict:
    """Readable deals that entered a won stage this month and last month (count, amount)."""
    won = [s.code for s in status_values("deal") if s.semantic == Semantic.WON]
    rec = select_records("deal", actor=actor).subquery()
    out = {}
    for key, back in (("this_month", 0), ("last_month", 1)):
        start, end = month_start(now, back), month_start(now, back - 1)
        entered = select(StageHistory.record_id).where(
            StageHistory.entity == "deal", StageHistory.to_status.in_(won),
            StageHistory.changed_at >= start, StageHistory.changed_at < end)
        n, amount = db.session.execute(select(func.count(), func.coalesce(func.sum(rec.c.amount), 0)).where(
            rec.c.id.in_(entered), rec.c.stage.in_(won))).one()
        out[key] = {"count": n, "amount": float(amount), "from": start.date().isoformat()}
    return out


def leads_by_source(*, actor: Actor, limit: int = 8) -> list[dict]:
    """Readable leads per source, the most frequent first."""
    rec = select_records("lead", actor=actor).subquery()
    rows = db.session.execute(select(rec.c.source, func.count().label("n")).group_by(rec.c.source)
                              .order_by(func.count().desc(), rec.c.source).limit(limit))
    return [{"source": s or "", "count": n} for s, n in rows]


