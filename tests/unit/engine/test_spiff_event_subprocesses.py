"""Event subprocesses through the runner: message and timer, interrupting and not (Camunda 7)."""

from __future__ import annotations

import time

import pytest

from engine.spiff.runner import advance, complete_user_task, deliver_message, fire_due_timers, get_task_states
from tests.unit.engine.spiff_diagrams import chain, end, message, start, user_task
from tests.unit.engine.spiff_support import Recorder, begin, build, reload

MESSAGE = '<bpmn:messageEventDefinition id="EspDef" messageRef="Ping" />'
TIMER = '<bpmn:timerEventDefinition><bpmn:timeDuration>PT0.1S</bpmn:timeDuration></bpmn:timerEventDefinition>'


def event_subprocess(definition: str, interrupting: bool) -> str:
    """An event subprocess whose start event has `definition`, leading to a user task."""
    flag = "true" if interrupting else "false"
    return (
        f'<bpmn:subProcess id="Esp" triggeredByEvent="true"><bpmn:startEvent id="EspStart" '
        f'isInterrupting="{flag}">{definition}</bpmn:startEvent>'
        f'{user_task("Handle")}{end("EspEnd")}{chain("EspStart", "Handle", "EspEnd")}</bpmn:subProcess>'
    )


def started(definition: str, interrupting: bool) -> tuple[object, str]:
    body = [start("Begin"), user_task("Work"), end("Done"), chain("Begin", "Work", "Done"),
            event_subprocess(definition, interrupting)]
    blob = build(body, extra=message("Ping", "ping"))
    workflow = begin(blob)
    advance(workflow, Recorder())
    return reload(workflow, blob), blob


def trigger(workflow: object, definition: str) -> None:
    if definition is MESSAGE:
        assert deliver_message(workflow, "ping", {"n": 1}) == ["EspStart"]
    else:
        time.sleep(0.15)
        assert fire_due_timers(workflow) == ["EspStart"]


def open_ids(result: object) -> list[str]:
    return sorted(t["element_id"] for t in result.user_tasks)


@pytest.mark.parametrize("definition", [MESSAGE, TIMER], ids=["message", "timer"])
def test_interrupting_event_subprocess_cancels_the_open_user_task(definition: str) -> None:
    workflow, blob = started(definition, interrupting=True)
    trigger(workflow, definition)
    result = advance(workflow, Recorder())
    assert open_ids(result) == ["Handle"] and result.timers == [] and result.messages == []
    assert get_task_states(workflow)["Work"] == "cancelled"
    workflow = reload(workflow, blob)
    complete_user_task(workflow, result.user_tasks[0]["task_id"], {})
    assert advance(workflow, Recorder()).status == "completed"


@pytest.mark.parametrize("definition", [MESSAGE, TIMER], ids=["message", "timer"])
def test_non_interrupting_event_subprocess_runs_beside_the_user_task(definition: str) -> None:
    workflow, blob = started(definition, interrupting=False)
    trigger(workflow, definition)
    result = advance(workflow, Recorder())
    assert open_ids(result) == ["Handle", "Work"]
    for task in result.user_tasks:
        complete_user_task(workflow, task["task_id"], {})
    assert advance(reload(workflow, blob), Recorder()).status == "completed"


def test_message_event_subprocess_is_reported_as_a_message_wait() -> None:
    body = [start("Begin"), user_task("Work"), end("Done"), chain("Begin", "Work", "Done"),
            event_subprocess(MESSAGE, True)]
    workflow = begin(build(body, extra=message("Ping", "ping")))
    result = advance(workflow, Recorder())
    assert [(m["element_id"], m["message"]) for m in result.messages] == [("EspStart", "ping")]
    assert deliver_message(workflow, "other", {}) == []


def test_repeating_non_interrupting_timer_boundary_fires_each_time() -> None:
    from tests.unit.engine.spiff_diagrams import service

    body = [start("Begin"), user_task("Work"),
            '<bpmn:boundaryEvent id="Remind" attachedToRef="Work" cancelActivity="false">'
            "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT0.1S</bpmn:timeCycle>"
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
            service("Nudge", "crm.add_comment", {"text": "late"}), end("Done"), end("Nudged"),
            chain("Begin", "Work", "Done"), chain("Remind", "Nudge", "Nudged")]
    blob = build(body)
    workflow, handler = begin(blob), Recorder({"comment_id": 1})
    assert [t["element_id"] for t in advance(workflow, handler).timers] == ["Remind"]
    for _ in range(4):
        time.sleep(0.12)
        workflow = reload(workflow, blob)
        fire_due_timers(workflow)
        result = advance(workflow, handler)
        assert open_ids(result) == ["Work"]
    assert len(handler.calls) == 3 and result.timers == []


def test_message_event_subprocess_interrupts_when_another_process_runs_the_step() -> None:
    """The message is delivered in the web process; a worker with its own, freshly parsed spec
    (SpiffWorkflow connects a triggered event subprocess into the spec it ran on) advances it."""
    from engine.spiff import serializer
    from engine.spiff.runner import deserialize_spec, serialize_state

    workflow, blob = started(MESSAGE, interrupting=True)
    trigger(workflow, MESSAGE)
    spec, subprocess_specs = deserialize_spec(blob)  # not the cached spec the delivery mutated
    worker_copy = serializer.deserialize_state(serialize_state(workflow), spec, subprocess_specs)
    result = advance(worker_copy, Recorder())
    assert open_ids(result) == ["Handle"]


def test_an_interrupting_event_subprocess_that_ends_at_once_still_cancels_the_scope() -> None:
    """Start -> end inside the subprocess: it finishes in the same pass it starts in."""
    esp = (f'<bpmn:subProcess id="Esp" triggeredByEvent="true"><bpmn:startEvent id="EspStart">{MESSAGE}'
           f'</bpmn:startEvent>{end("EspEnd")}{chain("EspStart", "EspEnd")}</bpmn:subProcess>')
    body = [start("Begin"), user_task("Work"), end("Done"), chain("Begin", "Work", "Done"), esp]
    blob = build(body, extra=message("Ping", "ping"))
    workflow = begin(blob)
    advance(workflow, Recorder())
    workflow = reload(workflow, blob)
    assert deliver_message(workflow, "ping", {}) == ["EspStart"]
    result = advance(workflow, Recorder())
    assert result.status == "completed" and result.user_tasks == []
    assert get_task_states(workflow)["Work"] == "cancelled"
