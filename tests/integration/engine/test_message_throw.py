"""Messages thrown by diagrams (intermediate throw, send task, message end event): each goes to
ONE receiver, as Camunda 7 correlates it: the oldest other waiting instance, else one new
instance through a message start event; the thrower's log names the receiver."""
from __future__ import annotations

from flask import current_app

from engine.models import InstanceEvent, MessageWait, ProcessInstance
from extensions import db
from tests.integration.engine.event_diagrams import (
    event,
    flows,
    message_ref,
    process,
    task,
    waiting_for_message,
)
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

THROWER = process("thrower", event("startEvent", "Begin") + event("intermediateThrowEvent", "Notify",
                  message_ref("order.paid")) + event("endEvent", "Done") + flows("Begin", "Notify", "Done"),
                  messages=("order.paid",))
SENDER = process("sender", event("startEvent", "Begin")
                 + '<bpmn:sendTask id="Send" messageRef="M_order_paid" />'
                 + event("endEvent", "Shipped", message_ref("order.shipped"))
                 + flows("Begin", "Send", "Shipped"), messages=("order.paid", "order.shipped"))
RECEIVER = process("receiver", event("startEvent", "Begin")
                   + '<bpmn:receiveTask id="AwaitShipped" messageRef="M_order_shipped" />'
                   + task("Invoice") + event("endEvent", "Done")
                   + flows("Begin", "AwaitShipped", "Invoice", "Done"),
                   messages=("order.shipped",))
STARTER = process("starter", event("startEvent", "OnPaid", message_ref("order.paid")) + task("Review")
                  + event("endEvent", "Done") + flows("OnPaid", "Review", "Done"), messages=("order.paid",))
ECHO = process("echo", event("startEvent", "OnPing", message_ref("ping"))
               + event("endEvent", "Again", message_ref("ping")) + flows("OnPing", "Again"),
               messages=("ping",))


def _start(api, key: str, lead: dict) -> int:
    resp = api.post(f"/processes/{key}/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _by_key(key: str) -> list[ProcessInstance]:
    return [i for i in instances() if i.version.definition.key == key]


def _thrown(instance_id: int) -> list[InstanceEvent]:
    return list(db.session.query(InstanceEvent).filter_by(instance_id=instance_id, kind="message")
                .order_by(InstanceEvent.id))


def test_a_thrown_message_wakes_only_the_oldest_waiting_instance(api):
    for xml in (waiting_for_message("catcher", "order.paid"), THROWER):
        deploy(api, xml)
    lead = create_lead(api)
    first, second = _start(api, "catcher", lead), _start(api, "catcher", lead)
    drive()
    thrower = _start(api, "thrower", lead)
    drive()
    assert db.session.get(ProcessInstance, thrower).status == "completed"
    assert [t.element_id for t in open_tasks(first)] == ["Ship"]
    assert open_tasks(second) == [] and db.session.get(ProcessInstance, second).status == "waiting"
    assert [w.instance_id for w in db.session.query(MessageWait)] == [second]
    (logged,) = _thrown(thrower)
    assert logged.element_id == "Notify" and logged.data["received_by"] == first
    assert f"received by waiting instance #{first}" in logged.message
    history = api.get(f"/process-instances/{thrower}").get_json()
    assert "order.paid" in str(history)


def test_send_task_starts_one_instance_and_the_message_end_wakes_a_receive_task(api):
    for xml in (SENDER, RECEIVER, STARTER):
        deploy(api, xml)
    lead = create_lead(api)
    receiver = _start(api, "receiver", lead)
    drive()
    sender = _start(api, "sender", lead)
    drive()
    assert db.session.get(ProcessInstance, sender).status == "completed"
    (started,) = _by_key("starter")
    assert [t.element_id for t in open_tasks(started.id)] == ["Review"] and started.depth == 1
    assert [t.element_id for t in open_tasks(receiver)] == ["Invoice"]
    send, shipped = _thrown(sender)
    assert (send.element_id, send.data["started"]) == ("Send", started.id)
    assert (shipped.element_id, shipped.data["received_by"]) == ("Shipped", receiver)


def test_nobody_receives_it_and_the_log_says_so(api):
    deploy(api, THROWER)
    thrower = _start(api, "thrower", create_lead(api))
    drive()
    assert db.session.get(ProcessInstance, thrower).status == "completed"
    (logged,) = _thrown(thrower)
    assert "nobody received it" in logged.message and logged.data["received_by"] is None


def test_a_process_that_messages_itself_into_existence_stops_at_the_depth_limit(api):
    deploy(api, ECHO)
    resp = api.post("/messages", {"name": "ping"})
    assert resp.status_code == 200, resp.get_json()
    drive()
    echoes = sorted(_by_key("echo"), key=lambda i: i.id)
    limit = current_app.config.get("ENGINE_MAX_DEPTH", 5)
    assert [i.depth for i in echoes] == list(range(limit))
    assert all(i.status == "completed" for i in echoes)
    (last,) = _thrown(echoes[-1].id)
    assert "depth limit" in last.message and last.data["started"] is None
