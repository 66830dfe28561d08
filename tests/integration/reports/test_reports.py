"""Funnel, saved reports and the weekly mail, over two departments and different roles
(SQLite and PostgreSQL): every figure holds only the records the viewer may read."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from tests.support.access_world import assign, make_person

STAGES = ("NEW", "PROPOSAL", "NEGOTIATION")
# title: (owner, amount, the stages it went through after NEW)
DEALS = {
    "a1": ("manager_a", 100, ["PROPOSAL", "WON"]), "a2": ("manager_a", 50, ["LOST"]),
    "a3": ("manager_a", 10, []),
    "b1": ("manager_b", 200, ["PROPOSAL", "NEGOTIATION"]), "b2": ("manager_b", 300, ["PROPOSAL", "LOST"]),
    "h1": ("head_b", 1000, ["WON"]),
}


@pytest.fixture
def world(app, api, api_for):
    from extensions import db
    from org.models import utcnow
    from org.services.departments import create_department
    from transactions import unit_of_work

    with unit_of_work():
        company = create_department("Company", actor=None)
        deps = {n: create_department(n, actor=None, parent_id=company.id) for n in ("Sales A", "Sales B")}
    people = {"manager_a": ("manager", "Sales A"), "manager_b": ("manager", "Sales B"),
              "head_b": ("head_of_department", "Sales B"), "outsider": ("manager", "Sales A")}
    users = {}
    for name, (role, dep) in people.items():
        users[name] = make_person(name, deps[dep].id)
        assign(api, role, user_id=users[name].id)
    ids = {}
    for title, (owner, amount, path) in DEALS.items():
        r = api.post("/deals", {"title": title, "amount": amount, "responsible_id": users[owner].id})
        ids[title] = r.json["id"]
        for stage in path:
            assert api.patch(f"/deals/{ids[title]}", {"stage": stage}).status_code == 200
    for title, status in (("lead 1", "NEW"), ("lead 2", "CONVERTED")):
        source = "web" if status == "NEW" else "fair"
        r = api.post("/leads", {"title": title, "source": source, "responsible_id": users["manager_a"].id})
        if status != "NEW":
            assert api.patch(f"/leads/{r.json['id']}", {"status": status}).status_code == 200
    _space_history(db, utcnow() - timedelta(days=10))
    return {"users": users, "deps": deps, "ids": ids, "api": {n: api_for(u) for n, u in users.items()},
            "admin": api}


def _space_history(db, start):
    """Each record entered its first stage 10 days ago and every later one 2 days after the last."""
    from crm.models import StageHistory
    from transactions import unit_of_work

    with unit_of_work():
        rows = db.session.execute(select(StageHistory.id, StageHistory.record_id, StageHistory.entity)
                                  .order_by(StageHistory.id)).all()
        seen: dict = {}
        for hid, rid, entity in rows:
            seen.setdefault((entity, rid), []).append(hid)
        for ids in seen.values():
            for n, hid in enumerate(ids):
                left = start + timedelta(days=2 * n + 2) if n + 1 < len(ids) else None
                db.session.execute(update(StageHistory).where(StageHistory.id == hid)
                                   .values(changed_at=start + timedelta(days=2 * n), left_at=left))


def _stages(data):
    return {s["stage"]: (s["count"], s["amount"], s["conversion"], s["avg_days"], s["current"])
            for s in data["stages"]}


def test_funnel_figures_follow_each_viewers_rights_and_export(world):
    a = pytest.approx
    mine = world["api"]["manager_a"].get("/reports/funnel?entity=deal").json
    # a1 reached won (so every stage), a2 left NEW for lost, a3 is still in NEW (10 days).
    assert _stages(mine) == {"NEW": (3, 160, None, a(14 / 3, abs=0.02), 1),
                             "PROPOSAL": (1, 100, a(1 / 3, abs=1e-3), a(2, abs=0.01), 0),
                             "NEGOTIATION": (1, 100, 1.0, None, 0)}
    won = mine["won"]
    assert (won["count"], won["amount"], won["conversion"]) == (1, 100, a(1 / 3, abs=1e-3))
    assert mine["lost"]["reasons"] == [{"reason": "LOST", "name": "Lost", "count": 1, "amount": 50}]
    assert mine["lead_to_deal"] == {"leads": 2, "converted": 1, "deals_from_leads": 0, "conversion": 0.5}

    head = world["api"]["head_b"].get("/reports/funnel").json  # Sales B: b1, b2 and their own h1
    assert _stages(head) == {"NEW": (3, 1500, None, a(2, abs=0.01), 0),
                             "PROPOSAL": (3, 1500, 1.0, a(2, abs=0.01), 0),
                             "NEGOTIATION": (2, 1200, a(2 / 3, abs=1e-3), a(6, abs=0.02), 1)}
    assert (head["won"]["amount"], head["lost"]["amount"], head["lead_to_deal"]["leads"]) == (1000, 300, 0)

    manager_b = world["users"]["manager_b"].id
    only_b = world["api"]["head_b"].get(f"/reports/funnel?responsible_id={manager_b}").json
    assert _stages(only_b)["NEW"][:2] == (2, 500) and only_b["won"]["count"] == 0
    admin = world["admin"]
    assert admin.get("/reports/funnel").json["stages"][0]["count"] == 6
    _another_pipeline_has_its_own_funnel(admin)
    by_dept = admin.get(f"/reports/funnel?department_id={world['deps']['Sales A'].id}").json
    assert _stages(by_dept) == _stages(mine)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert admin.get(f"/reports/funnel?from={tomorrow}").json["total"] == 0
    leads = world["api"]["manager_a"].get("/reports/funnel?entity=lead").json
    assert [(s["stage"], s["count"]) for s in leads["stages"]] == [
        ("NEW", 2), ("IN_PROCESS", 1), ("PROCESSED", 1)]
    bad = admin.get("/reports/funnel?entity=task&from=soon&department_id=x")
    assert bad.status_code == 422 and set(bad.json["fields"]) == {"from", "department_id"}
    assert admin.get("/reports/funnel?entity=task").json["fields"] == {"entity": "One of deal, lead"}

    # The same figures as CSV, XLSX and PDF.
    head_api = world["api"]["head_b"]
    rows = list(csv.reader(io.StringIO(head_api.get("/reports/funnel.csv").data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Stage", "Name", "Count"] and rows[1][:3] == ["NEW", "New", "3"]
    sheet = load_workbook(io.BytesIO(head_api.get("/reports/funnel.xlsx").data)).active
    assert [c.value for c in sheet[2]][:4] == ["NEW", "New", 3, 1500]
    pdf = head_api.get("/reports/funnel.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and b"%%EOF" in pdf.data[-10:]


def test_saved_report_shared_with_a_department_and_mailed_weekly(world):
    from crm.reports.models import SavedReport
    from extensions import db
    from mail.outbox import SystemMail
    from mail.report_mail import due_report_ids
    from mail.tasks import mail_weekly_report
    from org.models import utcnow

    owner, head, outsider = (world["api"][n] for n in ("manager_a", "head_b", "outsider"))
    spec = {"group_by": ["stage"], "measure": {"fn": "sum", "field": "amount"}, "chart": "bar"}
    r = owner.post("/reports", {"name": "Pipeline", "entity": "deal", "spec": spec, "weekly": True,
                                "share": {"department_ids": [world["deps"]["Sales B"].id]}})
    assert r.status_code == 201, r.json
    rid = r.json["id"]
    assert owner.get(f"/reports/{rid}/data").json["rows"] == [["LOST", 50.0], ["NEW", 10.0], ["WON", 100.0]]
    # A member of Sales B sees it, with the figures of the deals they may read.
    assert [x["id"] for x in head.get("/reports").json["items"]] == [rid]
    assert head.get(f"/reports/{rid}/data").json["rows"] == [["LOST", 300.0], ["NEGOTIATION", 200.0],
                                                            ["WON", 1000.0]]
    assert head.patch(f"/reports/{rid}", {"name": "Mine"}).status_code == 403
    assert outsider.get("/reports").json["items"] == []  # Sales A, not shared with
    assert outsider.get(f"/reports/{rid}/data").status_code == 404
    weekly = owner.post("/reports", {"name": "Weekly", "entity": "deal", "spec": {
        "group_by": [{"field": "created_at", "unit": "week"}], "measure": "count"}}).json
    monday = date.today() - timedelta(days=date.today().weekday())
    assert owner.get(f"/reports/{weekly['id']}/data").json["rows"] == [[monday.isoformat(), 3.0]]
    refused = owner.post("/reports", {"name": "x", "entity": "deal",
                                      "spec": {"group_by": ["title", "amount"]}})
    assert refused.status_code == 422 and "group_by" in refused.json["fields"]

    assert due_report_ids(utcnow()) == [rid]
    mail_id = mail_weekly_report(rid)
    assert mail_weekly_report(rid) is None  # once a week, however often the job runs
    mail = db.session.get(SystemMail, mail_id)
    assert mail.to_address == "manager_a@example.com" and mail.kind == "report" and "WON | 100.0" in mail.body
    assert due_report_ids(utcnow()) == [] and db.session.get(SavedReport, rid).last_mailed


def test_dashboard_widgets_drill_down_and_layouts_are_chosen_or_shared(world, app, admin):
    import re

    from crm.models import StageHistory
    from extensions import db
    from org.models import utcnow
    from tests.support.browser import session_client
    from transactions import unit_of_work

    with unit_of_work():  # h1 was won just now
        won = (StageHistory.record_id == world["ids"]["h1"]) & (StageHistory.to_status == "WON")
        db.session.execute(update(StageHistory).where(won).values(changed_at=utcnow()))
    users = world["users"]
    widgets = lambda html: re.findall(r'data-widget="(\w+)"', html)  # noqa: E731
    page = session_client(app, users["manager_b"]).get("/").get_data(as_text=True)
    assert widgets(page) == ["counts", "tasks", "agenda", "deals_by_stage", "won", "leads_by_source"]
    assert 'href="/deals?status=NEGOTIATION&amp;responsible=me"' in page
    head = session_client(app, users["head_b"]).get("/").get_data(as_text=True)
    assert re.search(r'data-won="this">1<', head) and re.search(r'data-won="last">0<', head)
    manager_a = session_client(app, users["manager_a"])
    home = manager_a.get("/").get_data(as_text=True)
    assert 'href="/leads?source=web"' in home
    listed = manager_a.get("/leads?source=web").get_data(as_text=True)
    assert "lead 1" in listed and "lead 2" not in listed
    boss = session_client(app, admin)
    assert "incidents" in widgets(boss.get("/").get_data(as_text=True))

    chosen = {"widget": ["won", "counts"], "pos_won": "2", "pos_counts": "1"}
    saved = manager_a.post("/dashboard/layout", data=chosen)
    assert saved.status_code == 302
    assert widgets(manager_a.get("/").get_data(as_text=True)) == ["counts", "won"]
    share = {"widget": ["leads_by_source"], "target": f"department:{world['deps']['Sales B'].id}"}
    assert manager_a.post("/dashboard/layout/share", data=share).status_code == 403
    assert boss.post("/dashboard/layout/share", data=share).status_code == 302
    head_page = session_client(app, users["head_b"]).get("/").get_data(as_text=True)
    assert widgets(head_page) == ["leads_by_source"]
    assert widgets(manager_a.get("/").get_data(as_text=True)) == ["counts", "won"]  # their own choice stays
    api_a, outsider = world["api"]["manager_a"], world["api"]["outsider"]
    assert api_a.get("/dashboard/layout").json == {"widgets": ["counts", "won"], "source": "mine"}
    assert set(api_a.put("/dashboard/layout", {"widgets": ["nope"]}).json["fields"]) == {"widgets"}
    to_a = {"widgets": ["agenda"], "department_id": world["deps"]["Sales A"].id}
    assert outsider.post("/dashboard/layouts", to_a).status_code == 403
    assert world["admin"].post("/dashboard/layouts", to_a).status_code == 201
    assert outsider.get("/dashboard/layout").json == {"widgets": ["agenda"], "source": "shared"}

    funnel = manager_a.get("/reports/funnel?entity=deal").get_data(as_text=True)
    assert "data-chart=" in funnel and "Negotiation" in funnel
    assert 'src="/static/dist/reports.js' in funnel
    assert manager_a.get("/reports/funnel/export.csv").data.decode("utf-8-sig").startswith("Stage,Name,Count")
    made = manager_a.post("/reports", data={"name": "By month", "entity": "deal", "group1": "created_at",
                                            "unit1": "month", "group2": "stage", "measure": "count",
                                            "chart": "line"})
    assert made.status_code == 302, made.get_data(as_text=True)
    view = manager_a.get(made.headers["Location"]).get_data(as_text=True)
    assert 'id="report-table"' in view and "WON" in view and "data-chart=" in view


def _another_pipeline_has_its_own_funnel(admin) -> None:
    partners = admin.post("/pipelines", {"name": "Partners", "stages": [
        {"code": "P_TALK", "name": "Talks", "semantic": "open"},
        {"code": "P_SIGNED", "name": "Signed", "semantic": "won"}]}).json["id"]
    made = admin.post("/deals", {"title": "Reseller", "pipeline_id": partners, "amount": 70})
    assert made.status_code == 201, made.json
    default = admin.get("/reports/funnel").json
    assert default["stages"][0]["count"] == 6 and "P_TALK" not in [s["stage"] for s in default["stages"]]
    theirs = admin.get(f"/reports/funnel?pipeline_id={partners}").json
    assert theirs["pipeline_id"] == partners
    assert [(s["stage"], s["count"], s["amount"]) for s in theirs["stages"]] == [("P_TALK", 1, 70)]
    assert admin.get("/reports/funnel?pipeline_id=999999").status_code == 404
