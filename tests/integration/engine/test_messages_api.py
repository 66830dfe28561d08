"""POST /api/v1/messages: named messages correlated by business key and variables, message
start events, message and timer event subprocesses (the interrupted user task's row closes)."""
from __future__ import annotations

import time

from engine.models import HumanTask, MessageWait, ProcessInstance
from extensions import db
from org.models import utcnow
from tests.integration.engine.event_diagrams import (
    event,
    flows,
    message_ref,
    process,
    task,
    timer,
    waiting_for_message,
    work_with_event_subprocess,
)
from tests.integration.engine.runtime_support import create_lead, deploy, drive, open_tasks


def _start(api, key: str, lead: dict, business_key: str | None = None, **variables: object) -> int:
    body = {"entity": "lead", "id": lead["id"], "variables": variables}
    if business_key:
        body["business_key"] = business_key
    resp = api.post(f"/processes/{key}/start", body)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["business_key"] == business_key
    return resp.get_json()["id"]


def test_message_reaches_the_instance_by_business_key_or_variables(api):
    deploy(api, waiting_for_message("payments", "payment"))
    lead = create_lead(api)
    first = _start(api, "payments", lead, "A-1", order_no=7)
    second = _start(api, "payments", lead, "A-2", order_no=8)
    drive()
    waits = db.session.query(MessageWait).order_by(MessageWait.instance_id).all()
    assert [(w.instance_id, w.message_name, w.entity, w.kind) for w in waits] == [
        (first, "payment", None, "message"), (second, "payment", None, "message")]

    resp = api.post("/messages", {"name": "payment"})
    assert resp.status_code == 409 and "2 process instances" in resp.get_json()["error"]
    resp = api.post("/messages", {"name": "payment", "business_key": "A-2", "variables": {"paid": 5}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"message": "payment", "started": [],
                               "instances": [{"id": second, "key": "payments", "element_id": "WaitPaid"}]}
    drive()
    assert [t.instance_id for t in open_tasks()] == [second]
    detail = api.get(f"/process-instances/{second}").get_json()
    assert detail["variables"]["paid"] == 5 and detail["business_key"] == "A-2"

    resp = api.post("/messages", {"name": "payment", "correlation": {"order_no": 8}})
    assert resp.status_code == 404 and "'payment'" in resp.get_json()["error"]
    resp = api.post("/messages", {"name": "payment", "correlation": {"order_no": 7}})
    assert [i["id"] for i in resp.get_json()["instances"]] == [first]
    drive()
    assert sorted(t.instance_id for t in open_tasks()) == [first, second]
    assert api.post("/messages", {"name": "payment"}).status_code == 404
    assert api.post("/messages", {"name": "deal.updated"}).status_code == 422


def test_a_user_cannot_reach_instances_they_cannot_read(api, api_for, make_user):
    deploy(api, waiting_for_message("payments", "payment"))
    _start(api, "payments", create_lead(api), "A-1")
    drive()
    outsider = api_for(make_user())
    assert outsider.post("/messages", {"name": "payment", "business_key": "A-1"}).status_code == 404
    assert api.post("/messages", {"name": "payment", "business_key": "A-1"}).status_code == 200


def test_message_start_event_starts_the_process_with_the_business_key(api, app, admin):
    body = (event("startEvent", "Placed", message_ref("order.placed")) + task("Pack")
            + event("endEvent", "Done") + flows("Placed", "Pack", "Done"))
    deploy(api, process("orders", body, messages=("order.placed",)))
    resp = api.post("/messages", {"name": "order.placed", "business_key": "B-1", "variables": {"n": 3}})
    assert resp.status_code == 200, resp.get_json()
    (started,) = resp.get_json()["started"]
    assert started["key"] == "orders" and resp.get_json()["instances"] == []
    drive()
    instance = db.session.get(ProcessInstance, started["id"])
    assert instance.status == "waiting" and instance.business_key == "B-1"
    assert [t.element_id for t in open_tasks(instance.id)] == ["Pack"]
    assert api.get(f"/process-instances/{instance.id}").get_json()["variables"]["n"] == 3
    from tests.support.browser import session_client

    page = session_client(app, admin, admin_mode=True).get(f"/processes/instances/{instance.id}")
    assert page.status_code == 200 and b"Pack" in page.data  # an instance about no record renders


def test_message_event_subprocess_interrupts_and_closes_the_user_task(api):
    deploy(api, work_with_event_subprocess("cancellable", message_ref("order.cancelled"), interrupting=True,
                                           messages=("order.cancelled",)))
    instance_id = _start(api, "cancellable", create_lead(api), "C-1")
    drive()
    (work,) = open_tasks(instance_id)
    resp = api.post("/messages", {"name": "order.cancelled", "business_key": "C-1"})
    assert resp.get_json()["instances"] == [
        {"id": instance_id, "key": "cancellable", "element_id": "EspStart"}]
    drive()
    db.session.expire_all()
    assert db.session.get(HumanTask, work.id).state == "cancelled"
    (handle,) = open_tasks(instance_id)
    assert handle.element_id == "Handle"
    assert api.post(f"/inbox/{handle.id}/complete", {"data": {}}).status_code == 200
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_non_interrupting_message_event_subprocess_leaves_the_user_task_open(api):
    deploy(api, work_with_event_subprocess("noted", message_ref("note"), interrupting=False,
                                           messages=("note",)))
    instance_id = _start(api, "noted", create_lead(api), "N-1")
    drive()
    assert api.post("/messages", {"name": "note", "business_key": "N-1"}).status_code == 200
    drive()
    assert sorted(t.element_id for t in open_tasks(instance_id)) == ["Handle", "Work"]


def test_interrupting_timer_event_subprocess_cancels_the_user_task_row(api):
    deploy(api, work_with_event_subprocess("deadline", timer("timeDuration", "PT1S"), interrupting=True))
    instance_id = _start(api, "deadline", create_lead(api))
    drive()
    (work,) = open_tasks(instance_id)
    time.sleep(1.3)
    drive()
    db.session.expire_all()
    assert db.session.get(HumanTask, work.id).state == "cancelled"
    (handle,) = open_tasks(instance_id)
    assert handle.element_id == "Handle" and handle.created_at <= utcnow()
    assert api.post(f"/inbox/{handle.id}/complete", {"data": {}}).status_code == 200
    assert db.session.get(ProcessInstance, instance_id).status == "completed"


def test_repeating_non_interrupting_timer_boundary_fires_each_time(api):
    body = (event("startEvent", "Begin") + task("Work")
            + event("boundaryEvent", "Remind", timer("timeCycle", "R2/PT1S"),
                    'attachedToRef="Work" cancelActivity="false"')
            + '<bpmn:scriptTask id="Count" scriptFormat="python"><bpmn:script>reminded = True'
              "</bpmn:script></bpmn:scriptTask>"
            + event("endEvent", "Done") + event("endEvent", "Nudged")
            + flows("Begin", "Work", "Done") + flows("Remind", "Count", "Nudged"))
    deploy(api, process("reminders", body))
    instance_id = _start(api, "reminders", create_lead(api))
    drive()
    for _ in range(3):
        time.sleep(1.05)
        drive()
    assert [t.element_id for t in open_tasks(instance_id)] == ["Work"]
    log = api.get(f"/process-instances/{instance_id}").get_json()["log"]
    assert sum(1 for e in log if e["kind"] == "timer") == 2
    assert [e["element_id"] for e in log if e["kind"] == "task_completed"].count("Count") == 2, log


def test_receive_task_and_message_boundary_take_named_messages(api):
    body = (event("startEvent", "Begin") + '<bpmn:receiveTask id="AwaitInvoice" messageRef="M_invoice" />'
            + task("Approve") + event("boundaryEvent", "Withdrawn", message_ref("withdrawn"),
                                      'attachedToRef="Approve"')
            + event("endEvent", "Done") + event("endEvent", "Dropped")
            + flows("Begin", "AwaitInvoice", "Approve", "Done") + flows("Withdrawn", "Dropped"))
    deploy(api, process("invoices", body, messages=("invoice", "withdrawn")))
    instance_id = _start(api, "invoices", create_lead(api), "I-1")
    drive()
    assert api.post("/messages", {"name": "withdrawn", "business_key": "I-1"}).status_code == 404
    resp = api.post("/messages", {"name": "invoice", "business_key": "I-1", "variables": {"total": 9}})
    assert resp.get_json()["instances"][0]["element_id"] == "AwaitInvoice"
    drive()
    (approve,) = open_tasks(instance_id)
    resp = api.post("/messages", {"name": "withdrawn", "business_key": "I-1"})
    assert resp.get_json()["instances"][0]["element_id"] == "Withdrawn"
    drive()
    assert db.session.get(HumanTask, approve.id).state == "cancelled"
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
