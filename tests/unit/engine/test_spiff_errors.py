"""Error and escalation events, terminate ends, inclusive gateways through the runner (Camunda 7)."""

from __future__ import annotations

import pytest

from engine.spiff.runner import advance, complete_user_task, get_task_states
from tests.unit.engine.spiff_diagrams import chain, end, flow, start, user_task
from tests.unit.engine.spiff_support import Recorder, begin, build, reload

ERRORS = ('<bpmn:error id="E1" errorCode="BAD" camunda:errorMessage="It went bad" />'
          '<bpmn:error id="E2" errorCode="OTHER" />'
          '<bpmn:escalation id="X1" escalationCode="UP" />\n')


def subprocess_ending_with(definition: str) -> str:
    return ('<bpmn:subProcess id="Sub"><bpmn:startEvent id="SubStart" />'
            f'<bpmn:endEvent id="SubEnd">{definition}</bpmn:endEvent>{chain("SubStart", "SubEnd")}'
            "</bpmn:subProcess>")


def run_with_boundary(thrown: str, caught: str, attrs: str = "") -> tuple[object, object, str]:
    body = [start("Begin"), subprocess_ending_with(thrown),
            f'<bpmn:boundaryEvent id="Caught" attachedToRef="Sub" {attrs}>{caught}</bpmn:boundaryEvent>',
            user_task("Normal"), user_task("Handle"), end("Done"), end("Handled"),
            chain("Begin", "Sub", "Normal", "Done"), chain("Caught", "Handle", "Handled")]
    blob = build(body, extra=ERRORS)
    workflow = begin(blob)
    advance(workflow, Recorder())
    workflow = reload(workflow, blob)
    return workflow, advance(workflow, Recorder()), blob


@pytest.mark.parametrize("caught, expected", [
    ('<bpmn:errorEventDefinition errorRef="E1" />', ["Handle"]),
    ("<bpmn:errorEventDefinition />", ["Handle"]),
    ('<bpmn:errorEventDefinition errorRef="E2" />', ["Normal"]),
], ids=["same code", "any code", "other code"])
def test_error_boundary_catches_its_code_or_any(caught: str, expected: list[str]) -> None:
    _wf, result, _blob = run_with_boundary('<bpmn:errorEventDefinition errorRef="E1" />', caught)
    assert [t["element_id"] for t in result.user_tasks] == expected


def test_error_code_and_message_variables_are_set() -> None:
    caught = ('<bpmn:errorEventDefinition camunda:errorCodeVariable="code" '
              'camunda:errorMessageVariable="why" />')
    workflow, result, _blob = run_with_boundary('<bpmn:errorEventDefinition errorRef="E1" />', caught)
    assert [t["element_id"] for t in result.user_tasks] == ["Handle"]
    assert result.data["code"] == "BAD" and result.data["why"] == "It went bad"


def test_error_event_subprocess_sets_the_code_variable_and_interrupts() -> None:
    esp = ('<bpmn:subProcess id="OnError" triggeredByEvent="true"><bpmn:startEvent id="ErrStart">'
           '<bpmn:errorEventDefinition camunda:errorCodeVariable="code" /></bpmn:startEvent>'
           f'{user_task("Repair")}{end("ErrEnd")}{chain("ErrStart", "Repair", "ErrEnd")}</bpmn:subProcess>')
    body = [start("Begin"), '<bpmn:parallelGateway id="Fork" />', user_task("Work"),
            subprocess_ending_with('<bpmn:errorEventDefinition errorRef="E2" />'), end("Done"), end("Done2"),
            esp, chain("Begin", "Fork"), flow("F1", "Fork", "Work"), flow("F2", "Fork", "Sub"),
            chain("Work", "Done"), chain("Sub", "Done2")]
    workflow = begin(build(body, extra=ERRORS))
    result = advance(workflow, Recorder())
    assert [t["element_id"] for t in result.user_tasks] == ["Repair"] and result.data["code"] == "OTHER"
    assert get_task_states(workflow)["Work"] == "cancelled"


def test_non_interrupting_escalation_boundary_keeps_the_normal_path() -> None:
    _wf, result, _blob = run_with_boundary('<bpmn:escalationEventDefinition escalationRef="X1" />',
                                           '<bpmn:escalationEventDefinition escalationRef="X1" />',
                                           'cancelActivity="false"')
    assert sorted(t["element_id"] for t in result.user_tasks) == ["Handle", "Normal"]


def test_terminate_end_event_ends_the_instance_with_tasks_open() -> None:
    body = [start("Begin"), '<bpmn:parallelGateway id="Fork" />', user_task("Work"),
            '<bpmn:endEvent id="Stop"><bpmn:terminateEventDefinition /></bpmn:endEvent>', end("Done"),
            chain("Begin", "Fork"), flow("F1", "Fork", "Work"), flow("F2", "Fork", "Stop"),
            chain("Work", "Done")]
    workflow = begin(build(body))
    result = advance(workflow, Recorder())
    assert result.status == "completed" and result.user_tasks == []


@pytest.mark.parametrize("x, expected", [(3, ["A", "B"]), (2, ["A"]), (0, ["C"])])
def test_inclusive_gateway_takes_every_true_branch_or_the_default(x: int, expected: list[str]) -> None:
    body = [start("Begin"), '<bpmn:inclusiveGateway id="Split" default="ToC" />', user_task("A"),
            user_task("B"), user_task("C"), '<bpmn:inclusiveGateway id="Join" />', end("Done"),
            chain("Begin", "Split"), flow("ToA", "Split", "A", "x &gt; 1"),
            flow("ToB", "Split", "B", "x &gt; 2"),
            flow("ToC", "Split", "C"), chain("A", "Join"), chain("B", "Join"), chain("C", "Join"),
            chain("Join", "Done")]
    workflow = begin(build(body), {"x": x})
    result = advance(workflow, Recorder())
    assert sorted(t["element_id"] for t in result.user_tasks) == expected
    for task in result.user_tasks:
        complete_user_task(workflow, task["task_id"], {})
    assert advance(workflow, Recorder()).status == "completed"


def test_link_events_continue_at_the_catch_of_the_same_name() -> None:
    body = [start("Begin"), '<bpmn:intermediateThrowEvent id="GoOn"><bpmn:linkEventDefinition name="Page2" />'
            "</bpmn:intermediateThrowEvent>",
            '<bpmn:intermediateCatchEvent id="Page2In"><bpmn:linkEventDefinition name="Page2" />'
            "</bpmn:intermediateCatchEvent>", user_task("Later"), end("Done"),
            chain("Begin", "GoOn"), chain("Page2In", "Later", "Done")]
    workflow = begin(build(body))
    result = advance(workflow, Recorder())
    assert [t["element_id"] for t in result.user_tasks] == ["Later"]
    states = get_task_states(workflow)
    assert states["GoOn"] == "completed" and states["Page2In"] == "completed"
