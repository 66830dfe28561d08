"""Process-scope variables: what a branch writes survives when it ends or joins (as in Camunda)."""

from __future__ import annotations

import time

from engine.spiff.runner import advance, complete_user_task, fire_due_timers
from tests.unit.engine.spiff_diagrams import chain, end, flow, start, user_task
from tests.unit.engine.spiff_support import begin, build, reload


def script(element_id: str, text: str) -> str:
    return (f'<bpmn:scriptTask id="{element_id}" scriptFormat="python"><bpmn:script>{text}</bpmn:script>'
            "</bpmn:scriptTask>")


def _finish(workflow, blob: str, element_id: str) -> dict:
    workflow = reload(workflow, blob)
    [task] = [t for t in advance(workflow, None).user_tasks if t["element_id"] == element_id]
    complete_user_task(workflow, task["task_id"], {})
    result = advance(workflow, None)
    assert result.status == "completed", result.errors
    return result.data


def test_a_parallel_branch_that_ends_on_its_own_keeps_its_variables() -> None:
    blob = build([start("S"), script("Init", "total = 0\nnote = 'start'"),
                  '<bpmn:parallelGateway id="Fork" />', script("Count", "total = 42"), end("Counted"),
                  user_task("Review"), end("Reviewed"),
                  chain("S", "Init", "Fork"), flow("A", "Fork", "Count"), flow("B", "Fork", "Review"),
                  chain("Count", "Counted"), chain("Review", "Reviewed")])
    workflow = begin(blob, {})
    assert advance(workflow, None).data["total"] == 42
    data = _finish(workflow, blob, "Review")  # the review branch still holds total = 0
    assert data["total"] == 42 and data["note"] == "start"


def test_a_parallel_join_keeps_what_each_branch_wrote() -> None:
    blob = build([start("S"), script("Init", "a = 0\nb = 0\nn = 0"), script("Next", "n = n + 1"),
                  '<bpmn:parallelGateway id="Fork" />', script("A", "a = n"), script("B", "b = n"),
                  '<bpmn:parallelGateway id="Join" />', '<bpmn:exclusiveGateway id="More" default="Back" />',
                  end("E"), chain("S", "Init", "Next", "Fork"),
                  flow("FA", "Fork", "A"), flow("FB", "Fork", "B"),
                  flow("JA", "A", "Join"), flow("JB", "B", "Join"), flow("J", "Join", "More"),
                  flow("Out", "More", "E", "${n >= 3}"), flow("Back", "More", "Next")])
    result = advance(begin(blob, {}), None)
    data = result.data
    assert result.status == "completed" and (data["a"], data["b"], data["n"]) == (3, 3, 3)


def test_a_repeating_timer_branch_updates_the_process_variables() -> None:
    blob = build([start("S"), script("Init", "reminders = 0"), user_task("Work"),
                  '<bpmn:boundaryEvent id="Remind" attachedToRef="Work" cancelActivity="false">'
                  "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT0.1S</bpmn:timeCycle>"
                  "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
                  script("Nudge", "reminders = reminders + 1"), end("Done"), end("Nudged"),
                  chain("S", "Init", "Work", "Done"), chain("Remind", "Nudge", "Nudged")])
    workflow = begin(blob, {})
    advance(workflow, None)
    for _ in range(4):
        time.sleep(0.12)
        workflow = reload(workflow, blob)
        fire_due_timers(workflow)
        result = advance(workflow, None)
    assert result.timers == [] and result.data["reminders"] == 3
    assert _finish(workflow, blob, "Work")["reminders"] == 3
