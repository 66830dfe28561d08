"""The dashboard: counts, my open tasks, recent leads and deals."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from crm.entities import ENTITIES
from crm.services.records import list_records
from crm.services.tasks import list_tasks
from crm.states import Semantic
from org.services.users import has_users
from web.pages import pages
from web.pages.common import me
from web.pages.lookups import count_records, status_info, status_values, users_by_id
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


@pages.get("/")
def home():
    if not has_users():
        return redirect(url_for("pages.setup"))
    if not current_user.is_authenticated:
        return redirect(url_for("pages.login"))
    actor = me()
    cards = [{"entity": e, "plural": ENTITIES[e].plural, "label": label, "icon": ICONS[e],
              "total": count_records(e, actor), "count": count_records(e, actor, **_open_filter(e))}
             for e, label in CARDS]
    leads = list_records("lead", actor=actor, sort="-id", limit=6).items
    deals = list_records("deal", actor=actor, sort="-id", limit=6).items
    tasks = list_tasks(actor=actor, filters={"role": "responsible", "status": "open"}, limit=8).items
    users = users_by_id([r.responsible_id for r in leads + deals])
    return render_template(
        "home.html", cards=cards, tasks=task_rows(tasks), users=users,
        leads=[(r, status_info("lead", r.status)) for r in leads],
        deals=[(r, status_info("deal", r.stage)) for r in deals])
