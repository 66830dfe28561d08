"""Rights by status, assignments via departments and workgroups, the default role, people and
departments moving, processes, conversion and the CSV exchange."""
from __future__ import annotations

from crm.access import scope
from extensions import db
from org.workgroups import Workgroup, WorkgroupMember
from tests.support.access_world import assign, build_world, make_person, role_id


def _ids(client, plural: str) -> set[int]:
    r = client.get(f"/{plural}{'&' if '?' in plural else '?'}limit=100")
    assert r.status_code == 200, r.json
    return {item["id"] for item in r.json["items"]}


def _deal(api, owner, stage: str, title: str = "") -> int:
    r = api.post("/deals", {"title": title or f"{stage} deal", "stage": stage, "responsible_id": owner.id})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_per_status_levels_read_won_deals_company_wide_edit_only_own_open_ones(api, api_for):
    r = api.post("/roles", {
        "name": "Closer", "matrix": {"deal": {"read": "own", "edit": "own"}},
        "status_levels": {"deal": {"read": {"WON": "all"}, "edit": {"WON": "none", "LOST": "none"}}}})
    assert r.status_code == 201, r.json
    expected = {"deal": {"read": {"WON": "all"}, "edit": {"WON": "none", "LOST": "none"}}}
    assert r.json["status_levels"] == expected
    me, other = make_person("closer", None), make_person("other", None)
    assign(api, r.json["id"], user_id=me.id)
    mine_open, mine_won, mine_lost = (_deal(api, me, s) for s in ("NEW", "WON", "LOST"))
    theirs_open, theirs_won = _deal(api, other, "NEW"), _deal(api, other, "WON")
    client = api_for(me)
    assert _ids(client, "deals") == {mine_open, mine_won, mine_lost, theirs_won}
    assert _ids(client, "deals?stage=WON") == {mine_won, theirs_won}
    assert client.get(f"/deals/{theirs_open}").status_code == 404
    assert client.patch(f"/deals/{mine_open}", {"amount": "10"}).status_code == 200
    for deal_id, stage in ((theirs_won, "WON"), (mine_won, "WON"), (mine_lost, "LOST")):
        r = client.patch(f"/deals/{deal_id}", {"amount": "10"})
        assert r.status_code == 403 and r.json["error"] == f"Missing right: edit deal (status {stage})"
    assert client.patch(f"/deals/{theirs_open}", {"amount": "10"}).status_code == 404
    # Nothing about leads in the role: no right at all, and the answer names it.
    r = client.post("/leads", {"title": "x"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: add lead"
    assert _ids(client, "leads") == set()


def test_per_status_add_right_checks_the_new_records_status(api, api_for):
    r = api.post("/roles", {"name": "Intake", "matrix": {"lead": {"read": "own", "add": "own"}},
                            "status_levels": {"lead": {"add": {"CONVERTED": "none"}}}})
    user = make_person("intake", None)
    assign(api, r.json["id"], user_id=user.id)
    client = api_for(user)
    assert client.post("/leads", {"title": "fine"}).status_code == 201
    r = client.post("/leads", {"title": "no", "status": "CONVERTED"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: add lead (status CONVERTED)"


def test_department_assignment_with_and_without_subdepartments(api, api_for):
    world = build_world(api)
    newcomer = make_person("newcomer", world.departments["sales_a"].id)
    client = api_for(newcomer)
    assert _ids(client, "leads") == set()  # default role Manager: own records only
    assign(api, "chief_executive", department_id=world.departments["sales"].id)
    assert _ids(client, "leads") == set()  # Sales' own members only
    assign(api, "chief_executive", department_id=world.departments["sales"].id, include_subdepartments=True)
    assert _ids(client, "leads") == world.ids("lead")


def test_workgroup_assignment(api, api_for):
    world = build_world(api)
    group = Workgroup(name="Key accounts", owner_id=world.users["ceo"].id)
    db.session.add(group)
    db.session.flush()
    db.session.add(WorkgroupMember(workgroup_id=group.id, user_id=world.users["manager_b"].id))
    db.session.commit()
    client = api_for(world.users["manager_b"])
    assert _ids(client, "companies") == world.ids("company", {"manager_b"})
    assign(api, "head_of_department", workgroup_id=group.id)
    assert _ids(client, "companies") == world.ids("company")
    assert _ids(client, "leads") == world.ids("lead", {"manager_b"})  # Sales B has no one else


def test_default_role_is_for_users_without_roles(api, api_for):
    user, colleague = make_person("plain", None), make_person("colleague", None)
    own = api.post("/leads", {"title": "mine", "responsible_id": user.id}).json["id"]
    api.post("/leads", {"title": "theirs", "responsible_id": colleague.id})
    client = api_for(user)
    assert _ids(client, "leads") == {own}  # no role assigned: the default role, Manager
    manager = api.get(f"/roles/{role_id('manager')}").json
    assert manager["is_default"] is True and manager["matrix"]["lead"]["read"] == "own"
    r = api.patch(f"/roles/{role_id('manager')}", {"is_default": False})
    assert r.status_code == 200
    assert _ids(client, "leads") == set()
    r = client.post("/leads", {"title": "x"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: add lead"
    api.patch(f"/roles/{role_id('chief_executive')}", {"is_default": True})
    assert len(_ids(client, "leads")) == 2


def test_an_assigned_role_replaces_the_default(api, api_for):
    r = api.post("/roles", {"name": "Readers of companies", "matrix": {"company": {"read": "all"}}})
    user = make_person("reader", None)
    own = api.post("/leads", {"title": "mine", "responsible_id": user.id}).json["id"]
    client = api_for(user)
    assert _ids(client, "leads") == {own}
    assign(api, r.json["id"], user_id=user.id)
    assert _ids(client, "leads") == set()


def test_user_moved_to_another_department_sees_its_records_at_once(api, api_for):
    world = build_world(api)
    head = world.users["head_a"]
    client = api_for(head)
    a_leads, b_leads = world.ids("lead", {"manager_a"}), world.ids("lead", {"manager_b"})
    assert _ids(client, "leads") == a_leads
    r = api.patch(f"/users/{head.id}", {"department_ids": [world.departments["sales_b"].id]})
    assert r.status_code == 200, r.json
    assert _ids(client, "leads") == b_leads
    assert client.get(f"/leads/{min(a_leads)}").status_code == 404


def test_records_follow_their_responsible_to_a_new_department(api, api_for):
    world = build_world(api)
    manager_a = world.users["manager_a"]
    head_a = api_for(world.users["head_a"])
    head_b = api_for(world.users["manager_b"])  # manager_b becomes head of Sales B below
    assign(api, "head_of_department", user_id=world.users["manager_b"].id)
    a_deals = world.ids("deal", {"manager_a"})
    assert a_deals <= _ids(head_a, "deals") and not a_deals & _ids(head_b, "deals")
    api.patch(f"/users/{manager_a.id}", {"department_ids": [world.departments["sales_b"].id]})
    assert not a_deals & _ids(head_a, "deals")
    assert a_deals <= _ids(head_b, "deals")
    assert _ids(api_for(manager_a), "deals") == a_deals  # own records stay own


def test_department_moved_in_the_tree(api, api_for):
    world = build_world(api)
    r = api.post("/departments", {"name": "Support", "parent_id": world.departments["company"].id})
    support = r.json["id"]
    support_head = make_person("support_head", support)
    assign(api, "head_of_department", user_id=support_head.id)
    head_sales, head_support = api_for(world.users["head_sales"]), api_for(support_head)
    a_leads = world.ids("lead", {"manager_a"})
    assert a_leads <= _ids(head_sales, "leads") and not _ids(head_support, "leads")
    r = api.patch(f"/departments/{world.departments['sales_a'].id}", {"parent_id": support})
    assert r.status_code == 200, r.json
    assert not a_leads & _ids(head_sales, "leads")
    assert _ids(head_support, "leads") == a_leads
    assert _ids(api_for(world.users["head_a"]), "leads") == a_leads  # Sales A's own head still sees them


def test_processes_act_with_their_own_identity(api):
    from crm.models import Lead
    from crm.services.records import create_record
    from org.actors import ProcessActor
    from org.services.users import system_user

    world = build_world(api)
    process = ProcessActor(system_user(), instance_id=7, on_behalf_of_id=world.users["manager_a"].id)
    assert {lead.id for lead in db.session.scalars(scope(db.select(Lead), "lead", "read", process))} \
        == world.ids("lead")
    lead = create_record("lead", {"title": "by process", "responsible_id": world.users["ceo"].id},
                         actor=process)
    entry = api.get(f"/leads/{lead.id}/timeline").json["items"][0]
    assert entry["data"]["process_instance_id"] == 7
    assert entry["data"]["on_behalf_of_id"] == world.users["manager_a"].id


def test_conversion_needs_edit_on_the_lead_and_add_on_each_new_type(api, api_for):
    r = api.post("/roles", {"name": "Lead worker", "matrix": {
        "lead": {"read": "own", "edit": "own"}, "contact": {"read": "own", "add": "own"}}})
    user = make_person("worker", None)
    assign(api, r.json["id"], user_id=user.id)
    lead = api.post("/leads", {"title": "Hot", "last_name": "Smith", "responsible_id": user.id}).json["id"]
    client = api_for(user)
    r = client.post(f"/leads/{lead}/convert", {"contact": True, "deal": True})
    assert r.status_code == 403 and r.json["error"] == "Missing right: add deal"
    assert client.get(f"/leads/{lead}").json["status"] == "NEW"
    r = client.post(f"/leads/{lead}/convert", {"contact": True})
    assert r.status_code == 200 and r.json["contact"]["responsible_id"] == user.id
    other = api.post("/leads", {"title": "Not mine", "last_name": "X"}).json["id"]
    assert client.post(f"/leads/{other}/convert", {"contact": True}).status_code == 404


def test_export_and_import_rights_and_errors(api, api_for):
    r = api.post("/roles", {"name": "Viewer", "matrix": {"lead": {"read": "all"}}})
    user = make_person("viewer", None)
    assign(api, r.json["id"], user_id=user.id)
    client = api_for(user)
    r = client.get("/leads/export?format=csv")
    assert r.status_code == 403 and r.json["error"] == "Missing right: export lead"
    r = client.post("/leads/import", data="title\nx\n", content_type="text/csv")
    assert r.status_code == 403 and r.json["error"] == "Missing right: import lead"
    assert api.get("/leads/export?format=pdf").status_code == 422
    r = api.post("/leads/import", data="title,colour\nx,red\n", content_type="text/csv")
    assert r.status_code == 422 and "colour" in r.json["fields"]["file"]
    r = api.post("/leads/import", data="title,status,emails\nok,NEW,a@example.com\n,NEW,\nbad,NOPE,x\n",
                 content_type="text/csv")
    assert r.status_code == 422
    assert r.json["rows"] == [{"row": 3, "fields": {"title": "This field is required"}},
                              {"row": 4, "fields": {"status": r.json["rows"][1]["fields"]["status"],
                                                    "emails": "Not an e-mail address: x"}}]
    assert "row 4.status" in r.json["fields"]
    assert api.get("/leads").json["items"] == []


def test_export_then_import_round_trip(api):
    api.post("/leads", {"title": "Big, \"quoted\" order", "emails": ["a@example.com", "b@example.com"],
                        "phones": ["+1 555 0100"], "amount": "12.50", "status": "IN_PROCESS"})
    text = api.get("/leads/export?format=csv").get_data(as_text=True)
    r = api.post("/leads/import", data={"file": (__import__("io").BytesIO(text.encode()), "leads.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["created"] == 1, r.json
    copy = api.get(f"/leads/{r.json['ids'][0]}").json
    assert copy["title"] == 'Big, "quoted" order' and copy["emails"] == ["a@example.com", "b@example.com"]
    assert copy["phones"] == ["+1 555 0100"] and copy["amount"] == 12.5 and copy["status"] == "IN_PROCESS"


def test_rights_are_loaded_once_per_request_and_again_for_the_next(api, api_for, monkeypatch):
    import crm.access

    user = make_person("counted", None)
    lead = api.post("/leads", {"title": "x", "responsible_id": user.id}).json["id"]
    loads = []
    real = crm.access.load_rights
    monkeypatch.setattr(crm.access, "load_rights", lambda u: loads.append(u.id) or real(u))
    client = api_for(user)
    assert client.patch(f"/leads/{lead}", {"source": "web"}).status_code == 200  # read + edit checks
    assert loads == [user.id]
    api.patch(f"/roles/{role_id('manager')}", {"matrix": {"lead": {"edit": "none"}}})
    r = client.patch(f"/leads/{lead}", {"source": "mail"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: edit lead (status NEW)"
    assert loads.count(user.id) == 2


def test_department_level_covers_each_of_the_users_departments_but_not_their_sub_departments(api, api_for):
    world = build_world(api)
    deps = world.departments
    r = api.post("/roles", {"name": "Department reader", "matrix": {"lead": {"read": "department"}}})
    reader = make_person("reader", None)
    api.patch(f"/users/{reader.id}", {"department_ids": [deps["sales"].id, deps["sales_b"].id]})
    assign(api, r.json["id"], user_id=reader.id)
    client = api_for(reader)
    assert _ids(client, "leads") == world.ids("lead", {"head_sales", "manager_b"})
    api.patch(f"/roles/{r.json['id']}", {"matrix": {"lead": {"read": "department_tree"}}})
    assert _ids(client, "leads") == world.ids("lead", {"head_sales", "manager_a", "manager_b"})


def test_own_tasks_are_those_one_is_responsible_for_observes_or_created(api, api_for):
    me, other = make_person("me", None), make_person("other", None)
    responsible = api.post("/tasks", {"title": "mine", "responsible_id": me.id}).json["id"]
    observed = api.post("/tasks", {"title": "watching", "responsible_id": other.id,
                                   "observer_ids": [me.id]}).json["id"]
    foreign = api.post("/tasks", {"title": "theirs", "responsible_id": other.id}).json["id"]
    client = api_for(me)
    created = client.post("/tasks", {"title": "delegated", "responsible_id": other.id}).json["id"]
    assert _ids(client, "tasks") == {responsible, observed, created}
    assert client.get(f"/tasks/{foreign}").status_code == 404
    assert client.patch(f"/tasks/{observed}", {"description": "seen"}).status_code == 200
    assert _ids(api_for(other), "tasks") == {observed, foreign, created}
