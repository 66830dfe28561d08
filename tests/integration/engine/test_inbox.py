"""The inbox: assignment resolution into human_task rows, listing, claim, complete (422/409/403)."""
from __future__ import annotations

import sys
from datetime import datetime
from types import ModuleType

import pytest
from sqlalchemy import inspect, select

import engine.models
from crm.services.records import create_record
from engine.inbox import sync_human_tasks
from engine.models import HumanTask, HumanTaskCandidate, InstanceEvent
from extensions import db
from org.services.departments import create_department
from tests.support.engine_rows import make_instance

FORM = [
    {"id": "decision", "type": "enum", "label": "Decision", "required": True,
     "options": [{"id": "convert", "name": "Convert"}, {"id": "junk", "name": "Junk"}]},
    {"id": "comment", "type": "string", "label": "Comment"},
    {"id": "budget", "type": "long", "label": "Budget", "validation": [{"name": "max", "config": "100"}]},
]


@pytest.fixture
def org(make_user):
    """Sales (with a sub-team) and Support departments and their people."""
    sales = create_department("Sales", actor=None)
    team = create_department("Team North", actor=None, parent_id=sales.id)
    support = create_department("Support", actor=None)
    people = {
        "ann": make_user("ann@example.com", department_id=sales.id),
        "bob": make_user("bob@example.com", department_id=team.id),
        "cid": make_user("cid@example.com", department_id=support.id),
        "dan": make_user("dan@example.com"),
    }
    return {"sales": sales, "team": team, "support": support, **people}


@pytest.fixture
def lead(admin, org):
    return create_record("lead", {"title": "Relaunch", "responsible_id": org["cid"].id}, actor=admin)


@pytest.fixture
def instance(lead, admin):
    return make_instance("lead", lead.id, on_behalf_of_id=admin.id)


@pytest.fixture
def open_task(instance, lead):
    """Write an open user task through sync_human_tasks, as the runtime does."""
    counter = iter(range(1, 1000))

    def make(inst=None, **attrs) -> HumanTask:
        inst = inst or instance
        n = next(counter)
        task = {"task_uuid": f"uuid-{n}", "element_id": f"Task_{n}", "name": f"Qualify {n}",
                "form": FORM, **attrs}
        others = [{"task_uuid": r.task_uuid, "element_id": r.element_id} for r in db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == inst.id, HumanTask.state == "open"))]
        sync_human_tasks(inst, others + [task], {"record": {"responsible_id": lead.responsible_id}})
        db.session.commit()
        return db.session.scalar(select(HumanTask).where(
            HumanTask.instance_id == inst.id, HumanTask.task_uuid == task["task_uuid"]))

    return make


@pytest.fixture
def runtime(monkeypatch):
    """The runtime's complete_user_task, recorded: it closes the task like the real one."""
    calls = []

    def complete_user_task(instance_id, task_uuid, data, *, actor):
        calls.append((instance_id, task_uuid, data, actor.id))
        inst = db.session.get(engine.models.ProcessInstance, instance_id)
        sync_human_tasks(inst, [], {}, completed_uuids=[task_uuid])
        db.session.commit()
        return inst

    fake = ModuleType("engine.runtime")
    fake.complete_user_task = complete_user_task
    monkeypatch.setitem(sys.modules, "engine.runtime", fake)
    return calls


def candidates(row: HumanTask) -> tuple[list, list]:
    rows = list(db.session.scalars(
        select(HumanTaskCandidate).where(HumanTaskCandidate.human_task_id == row.id)))
    return [c.user_id for c in rows if c.user_id], [c.group_key for c in rows if c.group_key]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


# ---- resolution ----------------------------------------------------------------------------

def test_assignee_by_email_id_and_expression(open_task, org):
    assert open_task(assignee="ann@example.com").assignee_id == org["ann"].id
    assert open_task(assignee=str(org["bob"].id)).assignee_id == org["bob"].id
    assert open_task(assignee="${record.responsible_id}").assignee_id == org["cid"].id


def test_candidates_resolve_to_users_and_department_groups(open_task, org):
    row = open_task(candidate_users="ann@example.com, dan@example.com", candidate_groups="Sales, Board")
    assert row.assignee_id is None
    users, groups = candidates(row)
    assert users == [org["ann"].id, org["dan"].id]
    assert groups == ["group:sales", "group:board"]  # names, held by whoever bears them
    note = db.session.scalar(select(InstanceEvent).where(InstanceEvent.kind == "assignment"))
    assert "'board' yet: the task waits for one of that name" in note.message


def test_workgroups_are_groups(open_task, org, api_for):
    from org.workgroups import Workgroup, WorkgroupMember

    board = Workgroup(name="Board", owner_id=org["dan"].id)
    db.session.add(board)
    db.session.flush()
    db.session.add(WorkgroupMember(workgroup_id=board.id, user_id=org["dan"].id))
    db.session.commit()
    row = open_task(candidate_groups="board")
    assert candidates(row) == ([], ["group:board"])
    assert ids(api_for(org["dan"]).get("/inbox")) == [row.id]
    assert ids(api_for(org["ann"]).get("/inbox")) == []


def test_a_workgroup_that_does_not_exist_is_logged_and_the_responsible_takes_the_task(open_task, org):
    from org.workgroups import Workgroup

    gone = Workgroup(name="Gone", owner_id=org["dan"].id)
    db.session.add(gone)
    db.session.flush()
    gone_id = gone.id
    db.session.delete(gone)
    db.session.commit()
    row = open_task(candidate_groups=f"workgroup:{gone_id}")
    assert candidates(row) == ([], []) and row.assignee_id == org["cid"].id  # not offered to no one
    note = db.session.scalar(select(InstanceEvent.message).where(InstanceEvent.kind == "assignment"))
    assert note == f"Unknown workgroup '{gone_id}'"


def test_lane_is_a_group(open_task, org):
    row = open_task(lane="Support")
    assert candidates(row) == ([], ["lane:Support", f"department:{org['support'].id}"])
    assert row.assignee_id is None


def test_no_assignment_goes_to_the_record_responsible(open_task, org):
    assert open_task().assignee_id == org["cid"].id
    assert open_task(lane="Nowhere").assignee_id == org["cid"].id


def test_without_a_record_the_initiator_gets_the_task(open_task, org):
    bare = make_instance(None, None, key="bare", on_behalf_of_id=org["dan"].id)
    assert open_task(inst=bare).assignee_id == org["dan"].id


def test_unknown_assignee_goes_to_candidates_and_is_logged(open_task, org, instance):
    row = open_task(assignee="ghost@example.com", candidate_groups=f"department:{org['sales'].id}")
    assert row.assignee_id is None and candidates(row)[1] == [f"department:{org['sales'].id}"]
    unknown = open_task(assignee="ghost@example.com")
    assert unknown.assignee_id == org["cid"].id  # the responsible
    notes = list(db.session.scalars(select(InstanceEvent.message).where(
        InstanceEvent.instance_id == instance.id, InstanceEvent.kind == "assignment")))
    assert notes == ["Unknown assignee 'ghost@example.com'"] * 2


def test_form_fields_are_stored_in_the_contract_shape(open_task):
    form = open_task().form
    assert [f["id"] for f in form] == ["decision", "comment", "budget"]
    assert form[0]["options"] == [{"id": "convert", "name": "Convert"}, {"id": "junk", "name": "Junk"}]
    assert form[0]["required"] is True and form[2]["max"] == "100"


def test_a_new_row_left_without_its_defaulted_columns_gets_their_defaults(instance):
    """The runtime's Core INSERT (engine.inbox._store) applies the model's Column defaults to the
    columns it is not given, and keeps the row as loaded with what was stored."""
    from engine.inbox import _store

    defaulted = {c.key: c.default for c in HumanTask.__table__.c if c.default is not None}
    assert {"name", "form", "state", "created_at"} <= defaulted.keys()
    row = HumanTask(instance_id=instance.id, task_uuid="uuid-bare", element_id="Bare")  # no default given
    _store(row)
    columns = [c.key for c in HumanTask.__mapper__.column_attrs]
    assert not inspect(row).unloaded & set(columns) and row not in db.session.dirty  # as loaded
    stored = db.session.execute(select(HumanTask.__table__).where(HumanTask.__table__.c.id == row.id)).one()
    assert {key: getattr(row, key) for key in columns} == dict(stored._mapping)
    for key, default in defaulted.items():
        expected = default.arg(None) if default.is_callable else default.arg
        if isinstance(expected, datetime):  # utcnow: a time of its own
            assert isinstance(stored._mapping[key], datetime), key
        else:
            assert stored._mapping[key] == expected, key
    assert (row.data, row.assignee_id) == (None, None)  # no default: NULL


def test_gone_tasks_are_cancelled_or_completed(open_task, instance, org):
    first, second = open_task(), open_task(candidate_groups="Sales")
    sync_human_tasks(instance, [], {}, completed_uuids=[first.task_uuid])
    db.session.commit()
    assert (first.state, second.state) == ("completed", "cancelled")
    assert candidates(second) == ([], [])  # candidate rows exist for open tasks only
    again = {"task_uuid": second.task_uuid, "element_id": "x", "candidate_groups": "Sales"}
    sync_human_tasks(instance, [again], {})
    assert second.state == "open"  # a retried task with the same uuid is open again
    assert candidates(second) == ([], ["group:sales"])
    assert db.session.scalar(select(db.func.count(HumanTask.id))) == 2


def test_rows_from_the_runner_shape(instance, org):
    """The dict engine.spiff.snapshot.describe_user_task produces (values already evaluated)."""
    described = {
        "task_id": "3f1c", "element_id": "Qualify", "name": "Qualify lead", "lane": None,
        "form": [{"id": "decision", "type": "enum", "label": "Decision", "default": None, "required": True,
                  "readonly": False, "options": [{"id": "junk", "name": "Junk"}], "min": None, "max": None,
                  "minlength": None, "maxlength": None, "properties": {}}],
        "assignee": None, "assignee_expression": None, "candidate_users": [org["ann"].id],
        "candidate_groups": ["Support"], "due_date": "2030-01-02T03:04:05+00:00", "assignment_errors": [],
    }
    row = sync_human_tasks(instance, [described], {})[0]
    assert (row.task_uuid, row.element_id, row.name) == ("3f1c", "Qualify", "Qualify lead")
    assert row.assignee_id is None
    assert row.form == [{"id": "decision", "type": "enum", "label": "Decision", "default": None,
                         "required": True, "options": [{"id": "junk", "name": "Junk"}]}]
    assert candidates(row) == ([org["ann"].id], ["group:support"])
    assert row.due_at.isoformat() == "2030-01-02T03:04:05"


# ---- listing -------------------------------------------------------------------------------

def test_inbox_lists_mine_and_my_groups(open_task, org, api_for):
    mine = open_task(assignee="ann@example.com")
    sales = open_task(candidate_groups="Sales")
    support = open_task(candidate_groups="Support")
    personal = open_task(candidate_users="ann@example.com")
    ann, bob, cid = (api_for(org[n]) for n in ("ann", "bob", "cid"))
    assert ids(ann.get("/inbox")) == [personal.id, sales.id, mine.id]
    assert ids(ann.get("/inbox?scope=mine")) == [mine.id]
    assert ids(ann.get("/inbox?scope=groups")) == [personal.id, sales.id]
    assert ids(bob.get("/inbox")) == [sales.id]  # sub-department members see the department's tasks
    assert ids(cid.get("/inbox")) == [support.id]
    assert ann.get("/inbox/counts").json == {"mine": 1, "groups": 2}
    assert ann.get("/inbox?scope=all").status_code == 403
    assert ann.get("/inbox?scope=everything").json["fields"]["scope"]


def test_admin_lists_all(open_task, api, org):
    rows = [open_task(candidate_groups="Sales"), open_task(assignee="ann@example.com")]
    assert ids(api.get("/inbox?scope=all")) == [rows[1].id, rows[0].id]


@pytest.fixture
def only_ann_reads_leads(org, monkeypatch):
    """Access rights simulated: ann may read leads, nobody else but administrators."""
    import crm.access

    real = crm.access.can

    def can(actor, entity, action, record=None):
        if entity == "lead" and not getattr(actor, "is_admin", False):
            return getattr(actor, "id", None) == org["ann"].id
        return real(actor, entity, action, record)

    monkeypatch.setattr(crm.access, "can", can)


def test_items_carry_form_record_and_process(open_task, org, api_for, lead, only_ann_reads_leads):
    row = open_task(candidate_groups="Sales")
    item = api_for(org["ann"]).get(f"/inbox/{row.id}").json
    assert item["form"][0]["id"] == "decision" and item["name"] == row.name
    assert item["record"] == {"entity": "lead", "id": lead.id, "title": "Relaunch"}
    assert item["process"]["key"] == "test_process" and item["can_complete"] is True
    assert api_for(org["cid"]).get(f"/inbox/{row.id}").status_code == 403


def test_record_hidden_when_unreadable(open_task, org, api_for, only_ann_reads_leads):
    row = open_task(candidate_groups="Sales")
    bob = api_for(org["bob"])
    item = bob.get(f"/inbox/{row.id}").json
    assert item["record"] is None and item["form"][0]["id"] == "decision" and item["can_complete"]
    listed = bob.get("/inbox").json["items"][0]
    assert listed["record"] is None and listed["form"]


# ---- claim and complete --------------------------------------------------------------------

def test_claim_moves_a_group_task_to_me(open_task, org, api_for):
    row = open_task(candidate_groups="Sales")
    ann, bob = api_for(org["ann"]), api_for(org["bob"])
    r = bob.post(f"/inbox/{row.id}/claim")
    assert r.status_code == 200 and r.json["assignee"]["id"] == org["bob"].id
    assert ids(ann.get("/inbox")) == [] and ids(bob.get("/inbox?scope=mine")) == [row.id]
    assert ann.post(f"/inbox/{row.id}/claim").status_code == 403  # claimed by someone else
    assert bob.post(f"/inbox/{row.id}/claim").status_code == 200  # again: still mine
    assert api_for(org["cid"]).post(f"/inbox/{row.id}/claim").status_code == 403
    assert bob.post(f"/inbox/{row.id}/release").json["assignee"] is None
    assert ids(ann.get("/inbox")) == [row.id]


def test_complete_checks_the_form_per_field(open_task, org, api_for, runtime):
    row = open_task(assignee="ann@example.com")
    ann = api_for(org["ann"])
    r = ann.post(f"/inbox/{row.id}/complete", {"data": {"decision": "maybe", "budget": 500, "x": 1}})
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"decision", "budget", "x"}
    assert ann.post(f"/inbox/{row.id}/complete", {"data": {}}).json["fields"] == {
        "decision": "This field is required"}
    assert ann.post(f"/inbox/{row.id}/complete", {"data": "junk"}).status_code == 422
    assert runtime == []


def test_complete_runs_the_process_on(open_task, org, api_for, runtime):
    row = open_task(candidate_groups="Sales")
    bob = api_for(org["bob"])
    r = bob.post(f"/inbox/{row.id}/complete", {"data": {"decision": "junk", "budget": "7"}})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "completed" and r.json["completed_by"]["id"] == org["bob"].id
    assert runtime == [(row.instance_id, row.task_uuid,
                        {"decision": "junk", "comment": None, "budget": 7}, org["bob"].id)]
    assert r.json["data"] == {"decision": "junk", "comment": None, "budget": 7}
    again = bob.post(f"/inbox/{row.id}/complete", {"data": {"decision": "junk"}})
    assert again.status_code == 409
    late = api_for(org["ann"]).post(f"/inbox/{row.id}/complete", {"data": {"decision": "junk"}})
    assert late.status_code == 409  # the other group member is told it is done
    assert api_for(org["ann"]).post(f"/inbox/{row.id}/claim").status_code == 409
    assert ids(bob.get("/inbox?state=completed")) == [row.id]


def test_complete_refuses_a_task_not_yours(open_task, org, api_for, runtime):
    row = open_task(assignee="ann@example.com")
    r = api_for(org["bob"]).post(f"/inbox/{row.id}/complete", {"data": {"decision": "junk"}})
    assert r.status_code == 403
    group_task = open_task(candidate_groups="Support")
    r = api_for(org["ann"]).post(f"/inbox/{group_task.id}/complete", {"data": {"decision": "junk"}})
    assert r.status_code == 403 and runtime == []
    assert api_for(org["ann"]).post("/inbox/999999/complete", {"data": {}}).status_code == 404


def test_activities_are_documented(api):
    r = api.get("/activities")
    assert r.status_code == 200
    topics = {a["topic"]: a for a in r.json["items"]}
    assert topics["crm.create_task"]["result"]["variable"] == "task_id"
    names = {p["name"] for p in topics["crm.create_task"]["parameters"]}
    assert names >= {"title", "responsible", "deadline"}


def test_inbox_paths_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json["paths"]
    assert {"/inbox", "/inbox/{task_id}", "/inbox/{task_id}/claim", "/inbox/{task_id}/complete",
            "/activities"} <= set(paths)
