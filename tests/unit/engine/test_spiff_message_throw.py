"""Message throws (intermediate throw, message end event, send task): the step reports them."""

from __future__ import annotations

from engine import spiff_adapter
from engine.spiff import event_starts
from tests.unit.engine.spiff_diagrams import chain, end, message, start, user_task
from tests.unit.engine.spiff_support import begin, build, reload

MESSAGE = message("Msg", "order.shipped")


def throw_event(tag: str, event_id: str) -> str:
    return (f'<bpmn:{tag} id="{event_id}"><bpmn:messageEventDefinition id="{event_id}_def" '
            f'messageRef="Msg" /></bpmn:{tag}>')


def no_service(topic: str, params: dict, task_uuid: str, element_id: str) -> dict:
    raise AssertionError(f"no service task here ({topic})")


def test_intermediate_throw_and_message_end_are_reported_as_sent() -> None:
    body = [start("Begin"), throw_event("intermediateThrowEvent", "Notify"), user_task("Next"),
            throw_event("endEvent", "Shipped"), chain("Begin", "Notify", "Next", "Shipped")]
    workflow = begin(build(body, extra=MESSAGE))
    step = spiff_adapter.advance(workflow, no_service)
    assert step.sent == [{"name": "order.shipped", "element_id": "Notify"}]
    assert step.signals == []
    task = step.user_tasks[0]["task_uuid"]
    spiff_adapter.complete_user_task(workflow, task, {})
    step = spiff_adapter.advance(workflow, no_service)
    assert step.completed and step.sent == [{"name": "order.shipped", "element_id": "Shipped"}]


def test_send_task_with_a_message_ref_is_reported() -> None:
    body = [start("Begin"), '<bpmn:sendTask id="Send" messageRef="Msg" />', end("Done"),
            chain("Begin", "Send", "Done")]
    workflow = begin(build(body, extra=MESSAGE))
    step = spiff_adapter.advance(workflow, no_service)
    assert step.completed and step.sent == [{"name": "order.shipped", "element_id": "Send"}]
    assert event_starts.thrown_messages(workflow, set()) == [{"name": "order.shipped", "element_id": "Send"}]


def test_the_thrower_does_not_catch_its_own_message_and_its_state_reloads() -> None:
    """Camunda 7 correlates a thrown message to another execution, never the thrower's own."""
    split = '<bpmn:parallelGateway id="Split" />'
    body = [start("Begin"), split, throw_event("intermediateCatchEvent", "Wait"), user_task("After"),
            user_task("Pause"), throw_event("intermediateThrowEvent", "Notify"), end("Done"), end("Done2"),
            chain("Begin", "Split", "Wait", "After", "Done"), chain("Split", "Pause", "Notify", "Done2")]
    blob = build(body, extra=MESSAGE)
    workflow = begin(blob)
    step = spiff_adapter.advance(workflow, no_service)
    pause = next(t for t in step.user_tasks if t["element_id"] == "Pause")
    spiff_adapter.complete_user_task(workflow, pause["task_uuid"], {})
    step = spiff_adapter.advance(workflow, no_service)
    assert step.sent == [{"name": "order.shipped", "element_id": "Notify"}]
    assert step.user_tasks == [] and [m["element_id"] for m in step.messages] == ["Wait"]
    workflow = reload(workflow, blob)
    assert [m["element_id"] for m in spiff_adapter.advance(workflow, no_service).messages] == ["Wait"]
