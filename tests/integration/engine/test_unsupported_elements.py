"""What Camunda 7 does not run is never deployed to silently do nothing: events with several
event definitions (BPMN's "multiple"), transactions, cancel and compensation events are refused
at upload naming the element; data objects and data stores are documentation (as in Camunda 7):
accepted with a warning on each, and the data stay process variables."""
from __future__ import annotations

import pytest

from tests.integration.engine.diagrams import upload
from tests.integration.engine.event_diagrams import event, flows, message_ref, process, task, timer
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances

WORK = '<bpmn:userTask id="Work" name="Work" />'


def _refusal(api, xml: bytes, element: str) -> str:
    resp = upload(api, xml)
    assert resp.status_code == 422, resp.get_json()
    errors = {e["element"]: e["message"] for e in resp.get_json()["errors"]}
    assert element in errors, errors
    return errors[element]


def _around_work(*extra: str, tail: str = "Done") -> str:
    return (event("startEvent", "Begin") + WORK + event("endEvent", tail) + "".join(extra)
            + flows("Begin", "Work", tail))


MULTIPLE = message_ref("paid") + timer("timeDuration", "PT1H")
CASES = {
    "multiple_boundary": (process("multi_b", _around_work(
        f'<bpmn:boundaryEvent id="Either" attachedToRef="Work">{MULTIPLE}</bpmn:boundaryEvent>'
        + event("endEvent", "Late") + flows("Either", "Late")), messages=("paid",)),
        "Either", "several event definitions"),
    "multiple_catch": (process("multi_c", event("startEvent", "Begin") + event(
        "intermediateCatchEvent", "Whichever", MULTIPLE) + event("endEvent", "Done")
        + flows("Begin", "Whichever", "Done"), messages=("paid",)), "Whichever", "several event definitions"),
    "transaction": (process("trx", event("startEvent", "Begin") + '<bpmn:transaction id="Booking">'
                            + event("startEvent", "In") + event("endEvent", "Out") + flows("In", "Out")
                            + "</bpmn:transaction>" + event("endEvent", "Done")
                            + flows("Begin", "Booking", "Done")), "Booking", "transactions"),
    "cancel_end": (process("cancel_end", event("startEvent", "Begin") + event(
        "endEvent", "Abort", "<bpmn:cancelEventDefinition />") + flows("Begin", "Abort")), "Abort", "cancel"),
    "cancel_boundary": (process("cancel_b", _around_work(
        '<bpmn:boundaryEvent id="Cancelled" attachedToRef="Work"><bpmn:cancelEventDefinition />'
        "</bpmn:boundaryEvent>" + event("endEvent", "Undo") + flows("Cancelled", "Undo"))),
        "Cancelled", "cancel"),
    "compensation_boundary": (process("comp_b", _around_work(
        '<bpmn:boundaryEvent id="Compensate" attachedToRef="Work"><bpmn:compensateEventDefinition />'
        "</bpmn:boundaryEvent>")), "Compensate", "compensation"),
    "compensation_throw": (process("comp_t", event("startEvent", "Begin") + event(
        "intermediateThrowEvent", "Undo", "<bpmn:compensateEventDefinition />") + event("endEvent", "Done")
        + flows("Begin", "Undo", "Done")), "Undo", "compensation"),
    "compensation_end": (process("comp_e", event("startEvent", "Begin") + event(
        "endEvent", "UndoAll", "<bpmn:compensateEventDefinition />") + flows("Begin", "UndoAll")),
        "UndoAll", "compensation"),
    "compensation_handler": (process("comp_h", _around_work(
        '<bpmn:userTask id="Refund" name="Refund" isForCompensation="true" />')), "Refund", "compensation"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_camunda_cannot_run_is_refused_naming_the_element(api, case):
    xml, element, text = CASES[case]
    assert text in _refusal(api, xml, element)


def test_data_objects_and_stores_are_documentation_with_a_warning_and_variables_stay(api):
    body = (event("startEvent", "Begin")
            + '<bpmn:dataObject id="OrderData" />'
            + '<bpmn:dataObjectReference id="Order" dataObjectRef="OrderData" />'
            + '<bpmn:dataStoreReference id="Ledger" />'
            + '<bpmn:scriptTask id="Compute" scriptFormat="python">'
            + '<bpmn:dataOutputAssociation id="ToOrder"><bpmn:targetRef>Order</bpmn:targetRef>'
            + "</bpmn:dataOutputAssociation>"
            + '<bpmn:dataOutputAssociation id="ToLedger"><bpmn:targetRef>Ledger</bpmn:targetRef>'
            + "</bpmn:dataOutputAssociation><bpmn:script>OrderData = 42</bpmn:script></bpmn:scriptTask>"
            + '<bpmn:scriptTask id="Use" scriptFormat="python"><bpmn:dataInputAssociation id="FromOrder">'
            + "<bpmn:sourceRef>Order</bpmn:sourceRef></bpmn:dataInputAssociation>"
            + "<bpmn:script>total = OrderData + 1</bpmn:script></bpmn:scriptTask>"
            + task("Check") + event("endEvent", "Done") + flows("Begin", "Compute", "Use", "Check", "Done"))
    answer = deploy(api, process("with_data", body))
    warned = {w["element"]: w["message"] for w in answer["warnings"]}
    assert "documentation only" in warned["Order"] and "documentation only" in warned["Ledger"]
    lead = create_lead(api)
    resp = api.post("/processes/with_data/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code in (200, 201), resp.get_json()
    drive()
    (instance,) = instances()
    assert instance.status == "waiting", instance.error_message
    variables = api.get(f"/process-instances/{instance.id}").get_json()["variables"]
    assert variables["OrderData"] == 42 and variables["total"] == 43 and "data_objects" not in variables
