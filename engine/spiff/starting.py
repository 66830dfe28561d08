"""New instances: build a workflow with its seed and start message, or defer that to its first load.

A message start built in the relay was serialized there only to be restored by the step right
after (SpiffWorkflow's build, serialization and restore cost about as much as the rest of the
relay's engine work). A *pending start* stores only what the build needs: the cleaned
variables, the start message and its payload. `build_pending` makes the same workflow on the
first load; its first `dump` writes an ordinary state. The start's checks still happen when
the instance is created: the data is cleaned there, and the caller builds one workflow
eagerly per version and message before it relies on pending starts (see engine.spiff_states).
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask, StartEventSplit
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.spiff import wait_kinds
from engine.spiff.data import clean_mapping, json_clean
from engine.spiff.sandbox import DEFAULT_TIMEOUT
from engine.spiff.script_engine import FlowdeskScriptEngine

START_EVENT_VARIABLE = "event"
MAX_ROUNDS = 1000
PENDING_KEY = "flowdesk_pending_start"
_PENDING_PREFIX = '{"' + PENDING_KEY + '":'


class StartRefused(ValueError):
    """The process does not start on the message (`runner.new_workflow` turns it into RunnerError)."""


def _in_state(workflow: BpmnWorkflow, mask: int) -> list[Any]:
    """A new workflow's tasks in `mask`, in creation order.

    A workflow being built has no subprocesses yet, so its own `tasks` mapping holds every
    task: cheaper than SpiffWorkflow's tree iterator, which `get_tasks` walks (that was a third
    of building a workflow).
    """
    return [task for task in list(workflow.tasks.values()) if task.state & mask]


def _prime(workflow: BpmnWorkflow) -> None:
    """Run only the internal start tasks so that message start events are waiting."""
    for _ in range(MAX_ROUNDS):
        ready = [
            task
            for task in _in_state(workflow, TaskState.READY)
            if isinstance(task.task_spec, (BpmnStartTask, StartEventSplit))
        ]
        if not ready:
            return
        for task in ready:
            task.run()


def message_event(name: str, payload: Any, result_variable: str, cleaned: bool = False) -> BpmnEvent:
    """A Camunda-dialect message event carrying `payload` into `result_variable` (`cleaned`: the
    payload is json_clean's output already, as a pending start's is: no second copy)."""
    body = {"payload": payload if cleaned else json_clean(payload), "result_var": result_variable}
    return BpmnEvent(MessageEventDefinition(name), payload=body)


def seeded_workflow(
    spec: Any,
    subprocess_specs: dict[str, Any],
    seed: dict[str, Any],
    start_message: str | None,
    payload: Any,
    timeout: float,
    cleaned: bool = False,
) -> BpmnWorkflow:
    """Build an instance from clean `seed` variables; raise StartRefused when the message starts nothing
    (`cleaned`: the payload is clean already)."""
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=FlowdeskScriptEngine(timeout))
    workflow.task_tree.data.update(seed)
    wait_kinds.note(workflow, ())  # a new instance holds no wait rows: its first step queries none
    _prime(workflow)
    for task in _in_state(workflow, TaskState.WAITING | TaskState.READY):
        task.data.update(seed)
    if start_message is not None:
        event = message_event(start_message, payload, START_EVENT_VARIABLE, cleaned)
        try:
            workflow.send_event(event)
        except WorkflowException as exc:
            raise StartRefused(f"the process does not start on the message {start_message!r}") from exc
    return workflow


def pending_state(variables: dict[str, Any], start_message: str, payload: Any) -> str:
    """A pending start's stored state: the cleaned seed, the message and its (cleaned) payload."""
    seed = clean_mapping(dict(variables or {}))
    body = {"variables": seed, "message": start_message, "payload": json_clean(payload)}
    return json.dumps({PENDING_KEY: body}, separators=(",", ":"))


def is_pending(state: str | None) -> bool:
    """Whether a stored state is a pending start (no workflow built yet)."""
    return bool(state) and state.startswith(_PENDING_PREFIX)


def build_pending(
    state: str, spec: Any, subprocess_specs: dict[str, Any], timeout: float = DEFAULT_TIMEOUT
) -> BpmnWorkflow:
    """The workflow a pending start stands for, as `runner.new_workflow` would have built it."""
    body = json.loads(state)[PENDING_KEY]
    return seeded_workflow(
        spec, subprocess_specs, body["variables"], body["message"], body["payload"], timeout, cleaned=True
    )
