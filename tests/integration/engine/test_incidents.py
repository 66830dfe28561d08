"""Incidents: a failed script opens one (element, kind, message, traceback); administrators
list them, retry after setting a variable, modify an instance (skip the failed element, move
back), resolve with a note; everything is audited and the process list counts open ones."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import Incident
from extensions import db
from org.audit import AuditEntry
from tests.integration.engine.diagrams import chain, enum_field, script_task, user_task
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

FRAGILE = chain(
    "fragile",
    script_task("Compute", "total = amount * 2"),
    user_task("Check", "Check total", fields=enum_field("verdict", "good", "bad")),
    message="lead.created", name="Fragile")


def _incidents(api, **query: str) -> list[dict]:
    resp = api.get("/incidents", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def _audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_incidents_retry_with_variables_modify_and_resolve(api, api_for, make_user, admin):
    deploy(api, FRAGILE)
    for n in range(3):
        create_lead(api, f"Order {n}")
    drive()
    first, second, third = instances()
    assert {i.status for i in (first, second, third)} == {"error"}

    items = _incidents(api, key="fragile", element_id="Compute")
    assert len(items) == 3 and _incidents(api, key="other") == []
    item = next(i for i in items if i["instance_id"] == first.id)
    assert (item["element_id"], item["element_name"], item["kind"], item["status"]) == (
        "Compute", "Compute", "failedJob", "open")
    assert "amount" in item["message"] and "Traceback" in item["details"]
    assert item["retries_left"] == 0 and item["key"] == "fragile"
    assert len(_incidents(api, limit="2")) == 2  # paged
    assert api_for(make_user()).get("/incidents").status_code == 403  # administrators only

    # retry after setting the missing variable at the failed element
    bad = api.post(f"/incidents/{item['id']}/retry", {"variables": {"not a name": 1}})
    assert bad.status_code == 422 and "variables.not a name" in bad.get_json()["fields"]
    resp = api.post(f"/incidents/{item['id']}/retry", {"variables": {"amount": 21}})
    assert resp.status_code == 200 and resp.get_json()["status"] == "resolved", resp.get_json()
    drive()
    assert [t.element_id for t in open_tasks(first.id)] == ["Check"]
    detail = api.get(f"/process-instances/{first.id}").get_json()
    assert detail["status"] == "waiting" and detail["variables"]["total"] == 42
    assert api.post(f"/incidents/{item['id']}/retry").status_code == 409  # resolved already

    # modify: unknown elements are named; skip the failed script (start after it)
    second_incident = next(i for i in items if i["instance_id"] == second.id)
    resp = api.post(f"/process-instances/{second.id}/modify", {"instructions": [
        {"type": "cancel", "activityId": "Compute"}, {"type": "startBeforeActivity", "activityId": "Nope"}]})
    assert resp.status_code == 422 and "Nope" in resp.get_json()["error"]
    assert "instructions[1].activityId" in resp.get_json()["fields"]
    resp = api.post(f"/process-instances/{second.id}/modify", {
        "instructions": [{"type": "cancel", "activityId": "Compute"},
                         {"type": "startAfterActivity", "activityId": "Compute"}],
        "variables": {"total": 7}})
    assert resp.status_code == 200, resp.get_json()
    drive()
    assert [t.element_id for t in open_tasks(second.id)] == ["Check"]
    detail = api.get(f"/process-instances/{second.id}").get_json()
    assert detail["status"] == "waiting" and detail["variables"]["total"] == 7
    assert any(e["kind"] == "modified" for e in detail["log"])
    db.session.expire_all()
    assert db.session.get(Incident, second_incident["id"]).status == "resolved"

    # move a waiting instance back: cancel the user task, start before the script again
    resp = api.post(f"/process-instances/{second.id}/modify", {
        "instructions": [{"type": "cancel", "activityId": "Check"},
                         {"type": "startBeforeActivity", "activityId": "Compute"}],
        "variables": {"amount": 5}})
    assert resp.status_code == 200, resp.get_json()
    drive()
    detail = api.get(f"/process-instances/{second.id}").get_json()
    assert detail["variables"]["total"] == 10 and [t.element_id for t in open_tasks(second.id)] == ["Check"]

    # resolve the last one with a note
    third_incident = next(i for i in items if i["instance_id"] == third.id)
    resp = api.post(f"/incidents/{third_incident['id']}/resolve", {"note": "Handled by phone"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "resolved" and body["resolution"] == "Handled by phone"
    assert body["resolved_by_id"] == admin.id
    assert _incidents(api) == [] and len(_incidents(api, status="resolved")) == 3
    actions = _audit_actions()
    assert actions.count("incident.retry") == 1 and actions.count("process.modify") == 2
    assert actions.count("incident.resolve") == 1


def test_incident_pages_list_retry_and_modify(app, api, admin):
    from tests.support.browser import session_client

    deploy(api, FRAGILE)
    create_lead(api, "One")
    create_lead(api, "Two")
    drive()
    first, second = instances()
    web = session_client(app, admin)
    page = web.get("/operations/incidents?key=fragile")
    assert page.status_code == 200 and page.data.count(b"data-incident=") == 2
    listing = web.get("/processes").data.decode()
    assert 'data-count="incidents">2<' in listing
    rows = {i["instance_id"]: i["id"] for i in _incidents(api)}
    assert b'id="instance-incidents"' in web.get(f"/processes/instances/{first.id}").data
    detail = web.get(f"/operations/incidents/{rows[first.id]}")
    assert detail.status_code == 200 and b"Traceback" in detail.data and b"retry-variables" in detail.data
    bad = web.post(f"/operations/incidents/{rows[first.id]}/retry", data={"variables": "{oops"})
    assert bad.status_code == 422 and b"Not valid JSON" in bad.data
    resp = web.post(f"/operations/incidents/{rows[first.id]}/retry", data={"variables": '{"amount": 2}'})
    assert resp.status_code == 302
    resp = web.post(f"/operations/incidents/{rows[second.id]}/modify", data={
        "type": ["cancel", "startAfterActivity", ""], "element": ["Compute", "Compute", ""], "variables": ""})
    assert resp.status_code == 302, resp.data[:500]
    drive()
    assert [t.element_id for t in open_tasks()] == ["Check", "Check"]
    assert b'data-count="incidents">0<' in web.get("/processes").data


def test_a_failing_async_continuation_is_retried_then_opens_an_incident(api):
    from tests.integration.engine.runtime_support import log_kinds

    flaky = ("scriptTask", "Compute", 'scriptFormat="python" camunda:asyncBefore="true"',
             "<bpmn:script>total = amount * 2</bpmn:script>")
    deploy(api, chain("flaky", flaky, user_task("Check", "Check"), message="lead.created"))
    create_lead(api)
    drive()
    (instance,) = instances()
    assert instance.status == "error"
    assert log_kinds(instance.id).count("retrying") == 2  # Camunda's default: 3 attempts in all
    (item,) = _incidents(api, key="flaky")
    assert item["kind"] == "failedJob" and "failed 3 times, no retries left" in item["message"]
