"""The dashboard's statements stay bounded as widgets and record types add up (bench/pages.py
found it at 43 statements, 8 of them the record cards' counts: two per record type): the cards
are one grouped statement, and each widget costs a fixed few. Counts stay within the viewer's
rights (SQLite and PostgreSQL)."""
from __future__ import annotations

import re

import pytest

from crm.entities import ENTITIES
from crm.reports.layouts import DEFAULT, WIDGETS
from extensions import db
from tests.support.access_world import make_person
from tests.support.browser import session_client
from tests.support.statements import statements as counted

# What a widget may cost at most, in statements, over an empty dashboard; the code before this
# test cost: counts 9 (the lead statuses, then two counts per record type), tasks 4, agenda 7,
# deals by stage 2, won 4, leads by source 1, incidents 0 for a manager, reports 2; the default
# layout 27 in all (now 12).
BUDGET = {"counts": 2, "tasks": 1, "agenda": 5, "deals_by_stage": 2, "won": 2, "leads_by_source": 1,
          "incidents": 1, "reports": 2}


@pytest.fixture
def people(app, api):
    from org.services.departments import create_department
    from transactions import unit_of_work

    with unit_of_work():
        company = create_department("Company", actor=None)
        deps = [create_department(n, actor=None, parent_id=company.id) for n in ("Team A", "Team B")]
    mine, other = make_person("mine", deps[0].id), make_person("other", deps[1].id)
    for owner, n in ((mine, 2), (other, 3)):
        for i in range(n):
            for entity in ("leads", "deals", "contacts", "companies"):
                title = {"title": f"{entity} {owner.id}-{i}"} if entity != "contacts" else \
                    {"first_name": "Ann", "last_name": f"{owner.id}-{i}"}
                made = api.post(f"/{entity}", {**title, "responsible_id": owner.id})
                assert made.status_code == 201, made.json
                if (owner, entity, i) == (mine, "leads", 0):  # no longer open: in "all", not "open"
                    assert api.patch(f"/leads/{made.json['id']}", {"status": "CONVERTED"}).status_code == 200
    return mine, other


def _statements(app, client, widgets: list[str]) -> int:
    """Statements of one dashboard view showing `widgets` (saved as the viewer's own layout)."""
    saved = client.post("/dashboard/layout", data={"widget": widgets, **{f"pos_{w}": str(n)
                                                                          for n, w in enumerate(widgets)}})
    assert saved.status_code == 302
    db.session.commit()
    client.get("/")  # warm: first-request lookups
    with app.app_context(), counted() as seen:  # a fresh g, as every request has outside tests
        page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r'data-widget="(\w+)"', page.get_data(as_text=True)) == [
        w for w in widgets if w != "incidents"]  # incidents: administrators only
    return len(seen)


def test_record_cards_are_one_statement_whatever_the_number_of_types(app, people, monkeypatch):
    from web.pages import dashboard

    client = session_client(app, people[0])
    every_type = _statements(app, client, ["counts"])
    monkeypatch.setattr(dashboard, "CARDS", dashboard.CARDS[:1])  # open leads only
    assert _statements(app, client, ["counts"]) == every_type  # was 2 statements more per type
    monkeypatch.undo()
    html = client.get("/").get_data(as_text=True)
    # the manager's own 2 of each type, not the other's 3; one of the leads is converted
    assert {e: re.search(rf'data-count="{e}">(\d+)<', html).group(1) for e in ENTITIES} == {
        e: "1" if e == "lead" else "2" for e in ENTITIES}
    assert "Open leads · 2 in all" in html


def test_every_widget_costs_a_fixed_few_statements(app, people):
    client = session_client(app, people[0])
    empty = _statements(app, client, [])
    for key in WIDGETS:
        assert _statements(app, client, [key]) - empty <= BUDGET[key], key
    assert _statements(app, client, list(DEFAULT)) - empty <= sum(BUDGET[k] for k in DEFAULT)


def test_layout_own_then_deepest_department_then_workgroup_then_default(app, people, admin):
    from crm.reports.layouts import layout_for, save_my_layout, share_layout
    from org.models import DepartmentMember
    from org.services.workgroups import create_workgroup
    from transactions import unit_of_work

    mine, other = people
    with unit_of_work():
        group = create_workgroup({"name": "Fair team"}, actor=other)
        share_layout(["agenda"], actor=admin, workgroup_id=group.id)
    assert layout_for(mine) == (list(DEFAULT), "default")
    assert layout_for(other) == (["agenda"], "shared")  # a member of the workgroup
    team = db.session.get(DepartmentMember, other.memberships[0].id).department
    with unit_of_work():
        share_layout(["won"], actor=admin, department_id=team.parent_id)  # the company: both teams
    assert layout_for(mine) == (["won"], "shared") and layout_for(other) == (["won"], "shared")
    with unit_of_work():
        share_layout(["counts"], actor=admin, department_id=team.id)  # deeper: wins for its members
        save_my_layout(["tasks"], actor=mine)
    assert layout_for(other) == (["counts"], "shared")
    assert layout_for(mine) == (["tasks"], "mine")


def test_a_logged_in_dashboard_reads_no_user_count_and_its_workgroups_with_its_rights(app, people):
    """The first-run check counts users only for a visitor (a session's user proves there are
    some); the tasks widget's group keys take the workgroups the rights query read."""
    client = session_client(app, people[0])
    _statements(app, client, ["tasks"])
    with app.app_context(), counted() as seen:
        assert client.get("/").status_code == 200
    assert not [s for s in seen if "count(user_account.id)" in s]
    assert not [s for s in seen if s.startswith("SELECT workgroup_member.workgroup_id")]
