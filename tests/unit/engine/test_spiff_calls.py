"""engine.spiff.calls through the runner: a call activity waits for a child instance, maps
`camunda:in/out`, survives save/load, and takes a child's BPMN error at its boundary."""

from __future__ import annotations

from engine.spiff import calls
from engine.spiff.runner import advance, workflow_data
from tests.unit.engine.spiff_diagrams import chain, end, start
from tests.unit.engine.spiff_support import begin, build, reload

ERROR = '<bpmn:error id="E1" name="Oops" errorCode="oops" />'


def call_activity(mappings: str, attrs: str = "", loop: str = "") -> str:
    return (f'<bpmn:callActivity id="Call" name="Call it" calledElement="child" {attrs}>{loop}'
            f"<bpmn:extensionElements>{mappings}</bpmn:extensionElements></bpmn:callActivity>")


def diagram(mappings: str, attrs: str = "", loop: str = "", boundary: bool = False) -> str:
    body = [start("Begin"), call_activity(mappings, attrs, loop), end("Done"), chain("Begin", "Call", "Done")]
    if boundary:
        body += ['<bpmn:boundaryEvent id="Caught" attachedToRef="Call"><bpmn:errorEventDefinition '
                 'errorRef="E1" /></bpmn:boundaryEvent>',
                 '<bpmn:scriptTask id="Handle"><bpmn:script>handled = True</bpmn:script></bpmn:scriptTask>',
                 end("Handled"), chain("Caught", "Handle", "Handled")]
    return build(body, extra=ERROR)


MAPPINGS = ('<camunda:in source="a" target="x" /><camunda:in sourceExpression="${a + 1}" target="y" />'
            '<camunda:in source="missing" target="z" />'
            '<camunda:out source="r" target="result" />'
            '<camunda:out sourceExpression="${r * 2}" target="double" />')


def test_the_call_waits_for_a_child_and_maps_variables_in_and_out() -> None:
    blob = diagram(MAPPINGS, 'camunda:calledElementBinding="version" camunda:calledElementVersion="2"')
    wf = begin(blob, {"a": 1, "secret": "s"})
    assert advance(wf, None).status == "waiting"
    (pending,) = calls.pending_calls(wf)
    assert pending["variables"] == {"x": 1, "y": 2}, "only mapped variables; a missing source maps nothing"
    assert (pending["element_id"], pending["called_element"], pending["binding"], pending["version"]) == (
        "Call", "child", "version", "2")
    calls.mark_called(wf, pending["task_id"], 7)
    wf = reload(wf, blob)
    assert calls.pending_calls(wf) == [] and calls.waiting_child(wf, pending["task_id"]) == 7
    assert calls.finish_call(wf, pending["task_id"], {"r": 21, "other": 0})
    assert advance(wf, None).status == "completed"
    data = workflow_data(wf)
    assert (data["result"], data["double"]) == (21, 42) and "other" not in data


def test_variables_all_in_and_out() -> None:
    blob = diagram('<camunda:in variables="all" /><camunda:out variables="all" />')
    wf = begin(blob, {"a": 1, "record": {"id": 5}})
    advance(wf, None)
    (pending,) = calls.pending_calls(wf)
    assert pending["variables"] == {"a": 1}, "record, event and initiator are the platform's own"
    calls.mark_called(wf, pending["task_id"], 3)
    calls.finish_call(wf, pending["task_id"], {"b": 2, "record": {"id": 99}})
    advance(wf, None)
    assert workflow_data(wf)["b"] == 2 and workflow_data(wf)["record"] == {"id": 5}


def test_a_child_error_is_caught_by_the_boundary_event_or_becomes_an_error() -> None:
    blob = diagram("", boundary=True)
    wf = begin(blob, {})
    advance(wf, None)
    (pending,) = calls.pending_calls(wf)
    calls.mark_called(wf, pending["task_id"], 3)
    assert calls.throw_child_error(wf, pending["task_id"], "Oops", "oops")
    assert advance(wf, None).status == "completed" and workflow_data(wf)["handled"] is True

    wf = begin(diagram(""), {})
    advance(wf, None)
    (pending,) = calls.pending_calls(wf)
    assert not calls.throw_child_error(wf, pending["task_id"], "Oops", "oops")
    result = advance(wf, None)
    assert result.status == "error" and "caught by no boundary event" in result.errors[0]["message"]


def test_a_failing_in_mapping_errors_the_call_and_a_multi_instance_call_asks_for_one_child_per_item() -> None:
    wf = begin(diagram('<camunda:in sourceExpression="${missing.value}" target="y" />'), {})
    advance(wf, None)
    assert calls.pending_calls(wf) == []
    assert "camunda:in" in advance(wf, None).errors[0]["message"]

    loop = ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="items" '
            'camunda:elementVariable="item" />')
    blob = diagram('<camunda:in source="item" target="item" />', loop=loop)
    wf = begin(blob, {"items": ["a", "b", "c"]})
    advance(wf, None)
    pending = calls.pending_calls(wf)
    assert sorted(p["variables"]["item"] for p in pending) == ["a", "b", "c"]
    for number, item in enumerate(pending):
        calls.mark_called(wf, item["task_id"], number)
        calls.finish_call(wf, item["task_id"], {})
    assert advance(wf, None).status == "completed"


def test_called_element_may_be_an_expression_evaluated_when_the_call_runs() -> None:
    blob = build([start("Begin"), '<bpmn:callActivity id="Call" calledElement="${kind.concat(\'_flow\')}" />',
                  end("Done"), chain("Begin", "Call", "Done")])
    wf = begin(blob, {"kind": "refund"})
    advance(wf, None)
    assert [p["called_element"] for p in calls.pending_calls(wf)] == ["refund_flow"]
    wf = begin(blob, {"kind": 5})
    advance(wf, None)
    assert calls.pending_calls(wf) == []
    assert "calledElement" in advance(wf, None).errors[0]["message"]
