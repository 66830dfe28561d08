"""The home page's widgets: what each shows and where it drills down to (list pages with the
query filters they understand)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for

from calendars.services.agenda import agenda
from calendars.services.calendars import personal_calendar
from crm.entities import ENTITIES
from crm.reports.saved import list_reports
from crm.reports.widgets import leads_by_source, my_deals_by_stage, won_by_month
from crm.services.tasks import list_tasks
from crm.states import Semantic
from engine.instances import list_instances
from engine.states import InstanceStatus
from org.admin import acts_as_admin
from org.models import User, utcnow
from web.pages.inbox import badge_counts
from web.pages.lookups import counts_by_entity, status_values
from web.pages.records import ICONS
from web.pages.tasks import task_rows

# Record types with a status first ("Open leads", "Open deals"), then the others.
CARDS = [(n, f"Open {e.plural}" if e.status_field else e.label_plural)
         for n, e in sorted(ENTITIES.items(), key=lambda item: item[1].status_field is None)]


def _open_filter(entity: str) -> dict:
    """Leads in an open status, deals not closed; contacts and companies all count."""
    if entity == "lead":
        return {"status": [s.code for s in status_values("lead") if s.semantic == Semantic.OPEN]}
    return {"closed": False} if entity == "deal" else {}


def _counts(user: User) -> dict:
    counts = counts_by_entity({e: _open_filter(e) for e, _label in CARDS}, user)  # one statement
    return {"cards": [{"entity": e, "plural": ENTITIES[e].plural, "label": label, "icon": ICONS[e],
                       "total": counts[e][0], "count": counts[e][1]} for e, label in CARDS]}


def _tasks(user: User) -> dict:
    tasks = list_tasks(actor=user, filters={"role": "responsible", "status": "open"}, limit=8).items
    return {"tasks": task_rows(tasks), "inbox": badge_counts()}  # the navigation's, counted once


def _agenda(user: User) -> dict:
    start = datetime.combine(utcnow().date(), datetime.min.time())
    calendar = personal_calendar(user)  # held: the session's identity map keeps it for agenda()
    items = agenda(calendar.id, start, start + timedelta(days=1), actor=user)
    return {"items": sorted(items, key=lambda i: str(i["start"]))[:10]}


def _deals(user: User) -> dict:
    stages = my_deals_by_stage(actor=user, stages=status_values("deal"))
    for s in stages:
        s["url"] = url_for("pages.record_list", plural="deals", status=s["stage"], responsible="me")
    return {"stages": stages}


def _won(user: User) -> dict:
    won = [s.code for s in status_values("deal") if s.semantic == Semantic.WON]
    return {**won_by_month(utcnow(), actor=user, stages=status_values("deal")),
            "url": url_for("pages.record_list", plural="deals", status=",".join(won))}


def _sources(user: User) -> dict:
    rows = leads_by_source(actor=user)
    for r in rows:
        r["url"] = url_for("pages.record_list", plural="leads", source=r["source"])
    return {"sources": rows}


def _incidents(user: User) -> dict | None:
    if not acts_as_admin(user):
        return None  # for administrators only
    rows = list_instances(actor=user, status=InstanceStatus.ERROR, limit=6)
    return {"instances": [{"id": i.id, "name": i.version.name, "error": i.error_message or "",
                           "url": url_for("pages.instance_view", instance_id=i.id)} for i in rows]}


def _reports(user: User) -> dict:
    return {"reports": [{"name": r.name, "url": url_for("pages.report_view", report_id=r.id)}
                        for r in list_reports(actor=user)]}


BUILDERS = {"counts": _counts, "tasks": _tasks, "agenda": _agenda, "deals_by_stage": _deals, "won": _won,
            "leads_by_source": _sources, "incidents": _incidents, "reports": _reports}


def build_widgets(keys: list[str], user: User) -> list[dict]:
    """Each widget's key and data, in order; widgets the user may not have are left out."""
    out = []
    for key in keys:
        data = BUILDERS[key](user)
        if data is not None:
            out.append({"key": key, **data})
    return out
