"""A candidate group named in a diagram (camunda:candidateGroups="accounting", as in Camunda's
invoice example) is a group of people one may set up before or after deploying: whoever is in a
department or workgroup of that name when they look holds the task, and no longer once they
left it or it was renamed (engine.assignment.group_key / user_group_keys)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.inbox import sync_human_tasks
from engine.models import HumanTask, HumanTaskCandidate, InstanceEvent
from extensions import db
from tests.integration.engine.runtime_support import drive, open_tasks
from tests.support.engine_rows import make_instance

DIAGRAM = (
    b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
    b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://flowdesk.test/bpmn">'
    b'<bpmn:process id="invoice" isExecutable="true"><bpmn:startEvent id="Begin" />'
    b'<bpmn:userTask id="Approve" name="Approve invoice" camunda:candidateGroups="accounting" />'
    b'<bpmn:endEvent id="Finish" />'
    b'<bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Approve" />'
    b'<bpmn:sequenceFlow id="F2" sourceRef="Approve" targetRef="Finish" />'
    b"</bpmn:process></bpmn:definitions>")


def rest(client, token: str, method: str, path: str, **kw: object):
    headers = {"Authorization": f"Bearer {token}"}
    return client.open(f"/engine-rest{path}", method=method, headers=headers, **kw)


@pytest.fixture
def invoices(client, api):
    """Deploy the diagram as Camunda Modeler does and start `n` instances (no group exists yet)."""
    from io import BytesIO

    resp = client.post("/engine-rest/deployment/create", content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {api.token}"},
                       data={"deployment-name": "invoice",
                             "invoice.bpmn": (BytesIO(DIAGRAM), "invoice.bpmn")})
    assert resp.status_code == 200, resp.get_json()

    def start(n: int = 1) -> list[int]:
        for _ in range(n):
            started = rest(client, api.token, "POST", "/process-definition/key/invoice/start", json={})
            assert started.status_code == 200, started.get_json()
        drive()
        return sorted(t.id for t in open_tasks())

    return start


def inbox(api) -> list[int]:
    return sorted(t["id"] for t in api.get("/inbox").json["items"])


def test_a_workgroup_created_after_the_task_takes_it_and_loses_it_when_left_or_renamed(
        invoices, make_user, api_for, api, client):
    first, second = invoices(2)
    keys = [k for (k,) in db.session.execute(select(HumanTaskCandidate.group_key))]
    assert keys == ["group:accounting"] * 2
    note = db.session.scalar(select(InstanceEvent.message).where(InstanceEvent.kind == "assignment"))
    assert "No department or workgroup is named 'accounting' yet: the task waits" in note
    olga, ivan = make_user("olga@example.com"), make_user("ivan@example.com")
    olga_api, ivan_api = api_for(olga), api_for(ivan)
    assert inbox(olga_api) == inbox(ivan_api) == []  # only administrators see it
    assert sorted(t["id"] for t in api.get("/inbox?scope=all").json["items"]) == [first, second]
    group = olga_api.post("/workgroups", {"name": "Accounting"}).json["id"]  # the owner is a member
    invitation = olga_api.post(f"/workgroups/{group}/invitations", {"user_ids": [ivan.id]}).json["items"][0]
    assert inbox(ivan_api) == []
    assert ivan_api.post(f"/workgroups/{group}/invitations/{invitation['id']}/accept").status_code == 200
    assert inbox(olga_api) == inbox(ivan_api) == [first, second]
    assert ivan_api.get("/inbox/counts").json["groups"] == 2
    assert ivan_api.post(f"/inbox/{first}/claim").status_code == 200
    assert ivan_api.post(f"/inbox/{first}/complete", {"data": {}}).status_code == 200, "complete"
    assert olga_api.delete(f"/workgroups/{group}/members/{ivan.id}").status_code == 204
    assert inbox(ivan_api) == [] and inbox(olga_api) == [second]  # left: gone on the next request
    assert ivan_api.post(f"/inbox/{second}/claim").status_code == 403
    assert olga_api.patch(f"/workgroups/{group}", {"name": "Payables"}).status_code == 200
    assert inbox(olga_api) == []  # renamed: gone too
    assert olga_api.patch(f"/workgroups/{group}", {"name": "  ACCOUNTING "}).status_code == 200
    assert inbox(olga_api) == [second]


def test_a_department_created_after_the_task_takes_it_through_the_camunda_rest_api(
        invoices, make_user, api_for, api, client):
    (task,) = invoices()
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    ann_api, bob_api = api_for(ann), api_for(bob)
    ann_token = ann_api.token
    assert rest(client, ann_token, "GET", "/task?candidateGroup=accounting").get_json() == []
    accounting = api.post("/departments", {"name": "Accounting"}).json["id"]
    payables = api.post("/departments", {"name": "Payables", "parent_id": accounting}).json["id"]
    assert api.patch(f"/users/{ann.id}", {"department_ids": [accounting]}).status_code == 200
    assert api.patch(f"/users/{bob.id}", {"department_ids": [payables]}).status_code == 200
    assert inbox(ann_api) == inbox(bob_api) == [task]  # a sub-department's people too, as by id
    found = rest(client, ann_token, "GET", "/task?candidateGroup=accounting").get_json()
    assert [t["id"] for t in found] == [str(task)]
    assert rest(client, ann_token, "GET", "/task?candidateGroups=sales,Accounting").get_json() == found
    assert rest(client, ann_token, "GET", "/task?candidateGroup=sales").get_json() == []
    assert rest(client, ann_token, "GET", "/task?withCandidateGroups=true").get_json() == found
    assert rest(client, ann_token, "GET", "/task?withoutCandidateGroups=true").get_json() == []
    links = rest(client, ann_token, "GET", f"/task/{task}/identity-links").get_json()
    assert links == [{"userId": None, "groupId": "accounting", "type": "candidate"}]
    assert api.patch(f"/departments/{accounting}", {"name": "Finance"}).status_code == 200
    assert inbox(ann_api) == inbox(bob_api) == []  # renamed
    assert api.patch(f"/departments/{accounting}", {"name": "accounting"}).status_code == 200
    assert api.patch(f"/users/{bob.id}", {"department_ids": []}).status_code == 200
    assert inbox(ann_api) == [task] and inbox(bob_api) == []  # bob left
    assert rest(client, ann_token, "POST", f"/task/{task}/claim").status_code == 204
    assert rest(client, ann_token, "POST", f"/task/{task}/complete", json={}).status_code == 204
    assert db.session.get(HumanTask, task).state == "completed"


def test_an_administrator_queries_a_group_no_one_bears_yet(invoices, api, client):
    (task,) = invoices()
    found = rest(client, api.token, "GET", "/task?candidateGroup=accounting").get_json()
    assert [t["id"] for t in found] == [str(task)]


def test_a_workgroup_holds_the_tasks_offered_to_its_name_while_it_is_the_only_one(make_user, api_for, admin):
    olga = make_user("olga@example.com")
    olga_api = api_for(olga)
    group = olga_api.post("/workgroups", {"name": "Accounting"}).json["id"]
    sync_human_tasks(make_instance(on_behalf_of_id=admin.id), [
        {"task_uuid": "u-1", "element_id": "A", "name": "Approve", "candidate_groups": "Accounting"}], {})
    db.session.commit()
    assert inbox(olga_api) == [db.session.scalar(select(HumanTask.id))]
    assert olga_api.delete(f"/workgroups/{group}").status_code == 409
    other = olga_api.post("/workgroups", {"name": "accounting"}).json["id"]
    assert olga_api.delete(f"/workgroups/{group}").status_code == 204  # the other one takes them
    assert olga_api.delete(f"/workgroups/{other}").status_code == 409


def test_the_migration_folds_the_case_of_stored_names(admin):
    instance = make_instance(on_behalf_of_id=admin.id)
    sync_human_tasks(instance, [{"task_uuid": "u-1", "element_id": "A", "name": "A"}], {})
    task = db.session.scalar(select(HumanTask.id))
    for key in ("group:Accounting", "group: Board ", "group:straße", "department:5", "lane:Sales"):
        db.session.add(HumanTaskCandidate(human_task_id=task, group_key=key))
    db.session.commit()
    _upgrade("0030_group_keys")
    db.session.expire_all()
    keys = sorted(k for (k,) in db.session.execute(select(HumanTaskCandidate.group_key)) if k)
    assert keys == ["department:5", "group:accounting", "group:board", "group:strasse", "lane:Sales"]


def _upgrade(revision: str) -> None:
    """Run one migration's upgrade() on the test database's connection."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    path = Path(__file__).resolve().parents[3] / "migrations" / "versions" / f"{revision}.py"
    spec = importlib.util.spec_from_file_location(revision, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()


def test_outside_a_request_a_user_holds_the_names_too(make_user, app):
    """CLI, workers: user_group_keys reads the names itself (the same keys a request gets)."""
    from flask import has_request_context

    from engine.assignment import user_group_keys
    from org.services.departments import create_department
    from tests.integration.drive.conftest import make_workgroup

    accounting = create_department("Accounting ", actor=None)
    payables = create_department("Payables", actor=None, parent_id=accounting.id)
    ann = make_user("ann@example.com", department_id=payables.id)
    group = make_workgroup("Month END", ann, [])
    db.session.expire_all()
    assert not has_request_context()
    assert sorted(user_group_keys(ann)) == sorted([
        f"department:{accounting.id}", f"department:{payables.id}", f"workgroup:{group}",
        "group:accounting", "group:payables", "group:month end"])
