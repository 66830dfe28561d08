"""Errors with codes and variables, terminate end events, link events, event-based gateways and
their upload checks, through deploy, the runtime and the inbox rows."""
from __future__ import annotations

import time

from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import upload
from tests.integration.engine.event_diagrams import event, flows, message_ref, process, task, timer
from tests.integration.engine.runtime_support import create_lead, deploy, drive, open_tasks

ERROR = '<bpmn:errorEventDefinition errorRef="Err" />'


def _start(api, key: str) -> int:
    resp = api.post(f"/processes/{key}/start", {"entity": "lead", "id": create_lead(api)["id"]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _variables(api, instance_id: int) -> dict:
    return api.get(f"/process-instances/{instance_id}").get_json()["variables"]


def test_error_boundary_sets_code_and_message_variables(api):
    sub = ('<bpmn:subProcess id="Check">' + event("startEvent", "S") + event("endEvent", "Fail", ERROR)
           + flows("S", "Fail") + "</bpmn:subProcess>")
    boundary = event("boundaryEvent", "OnFail", '<bpmn:errorEventDefinition camunda:errorCodeVariable="code" '
                     'camunda:errorMessageVariable="why" />', 'attachedToRef="Check"')
    body = (event("startEvent", "Begin") + sub + boundary + task("Fine") + task("Fix")
            + event("endEvent", "Done") + event("endEvent", "Fixed")
            + flows("Begin", "Check", "Fine", "Done") + flows("OnFail", "Fix", "Fixed"))
    xml = process("checked", body).replace(
        b"<bpmn:process", b'<bpmn:error id="Err" errorCode="NO_CREDIT" camunda:errorMessage="No credit" />'
        b"<bpmn:process", 1)
    deploy(api, xml)
    instance_id = _start(api, "checked")
    drive()
    assert [t.element_id for t in open_tasks(instance_id)] == ["Fix"]
    variables = _variables(api, instance_id)
    assert variables["code"] == "NO_CREDIT" and variables["why"] == "No credit"


def test_terminate_end_event_completes_and_closes_open_tasks(api):
    body = (event("startEvent", "Begin") + '<bpmn:parallelGateway id="Fork" />' + task("Slow")
            + event("intermediateCatchEvent", "Later", timer("timeDuration", "PT1S"))
            + event("endEvent", "Done") + event("endEvent", "Stop", "<bpmn:terminateEventDefinition />")
            + flows("Begin", "Fork", "Slow", "Done") + flows("Fork", "Later", "Stop"))
    deploy(api, process("terminating", body))
    instance_id = _start(api, "terminating")
    drive()
    (slow,) = open_tasks(instance_id)
    time.sleep(1.2)
    drive()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    assert db.session.get(HumanTask, slow.id).state == "cancelled"


def test_link_events_and_an_event_based_gateway_on_a_named_message(api):
    link = ('<bpmn:intermediateThrowEvent id="ToPage2"><bpmn:linkEventDefinition name="P2" />'
            '</bpmn:intermediateThrowEvent><bpmn:intermediateCatchEvent id="Page2">'
            '<bpmn:linkEventDefinition name="P2" /></bpmn:intermediateCatchEvent>')
    body = (event("startEvent", "Begin") + link + '<bpmn:eventBasedGateway id="Race" />'
            + event("intermediateCatchEvent", "Answer", message_ref("answer"))
            + event("intermediateCatchEvent", "GiveUp", timer("timeDuration", "PT1H"))
            + task("Read") + event("endEvent", "Done") + event("endEvent", "Late")
            + flows("Begin", "ToPage2") + flows("Page2", "Race", "Answer", "Read", "Done")
            + flows("Race", "GiveUp", "Late"))
    deploy(api, process("linked", body, messages=("answer",)))
    instance_id = _start(api, "linked")
    drive()
    resp = api.post("/messages", {"name": "answer", "variables": {"text": "yes"}})
    assert resp.get_json()["instances"] == [{"id": instance_id, "key": "linked", "element_id": "Answer"}]
    drive()
    assert [t.element_id for t in open_tasks(instance_id)] == ["Read"]
    assert _variables(api, instance_id)["text"] == "yes"


def test_upload_refuses_what_the_engine_cannot_run_naming_the_element(api):
    body = (event("startEvent", "Begin") + '<bpmn:intermediateThrowEvent id="Jump">'
            '<bpmn:linkEventDefinition name="Nowhere" /></bpmn:intermediateThrowEvent>'
            + event("intermediateCatchEvent", "When", '<bpmn:conditionalEventDefinition><bpmn:condition>'
                    "x &gt; 1</bpmn:condition></bpmn:conditionalEventDefinition>")
            + event("endEvent", "Done") + flows("Begin", "Jump") + flows("When", "Done"))
    resp = upload(api, process("refused", body))
    assert resp.status_code == 422
    errors = {e["element"]: e["message"] for e in resp.get_json()["errors"]}
    assert "no link catch event named 'Nowhere'" in errors["Jump"]
    assert "conditional intermediateCatchEvents are not supported" in errors["When"]
