"""Event subprocesses as Camunda 7 runs them, on top of SpiffWorkflow 3.2.0.

SpiffWorkflow starts an event subprocess when its start event fires but never interrupts
the scope around it, and starts message-triggered ones only for events thrown inside the
workflow. Here:
* `apply_interrupts`: once the start event of an interrupting event subprocess
  (`isInterrupting`, true by default; error start events always) has fired, every other
  branch of its scope is cancelled: user tasks, timers, waits, subprocesses;
* `trigger_waits`: the message start events of event subprocesses not started yet, so the
  platform knows the instance waits for those messages;
* `start_triggered`: a delivered message starts the event subprocesses it triggers.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

INTERRUPTED_KEY = "flowdesk_interrupted"


def _is_interrupting(spec: Any) -> bool:
    """Camunda: an error start event always interrupts; others unless isInterrupting="false"."""
    if isinstance(spec.event_definition, ErrorEventDefinition):
        return True
    return bool((getattr(spec, "extensions", None) or {}).get("interrupting", True))


def _fired_start(subworkflow: Any) -> Any:
    """The completed start event of an event subprocess's workflow, if it fired."""
    for task in subworkflow.tasks.values():
        if isinstance(task.task_spec, StartEvent) and task.has_state(TaskState.COMPLETED):
            return task
    return None


def _cancel_scope_except(esp_task: Any) -> None:
    """Cancel every branch of the event subprocess's scope except the path to it."""
    keep, node = set(), esp_task
    while node is not None:
        keep.add(node.id)
        node = node.parent
    for task_id in list(keep):
        task = esp_task.workflow.tasks.get(task_id)
        for child in list(task.children) if task is not None else []:
            if child.id not in keep:
                child.cancel()
    _forget_finished_waits(esp_task.workflow.top_workflow)


def _forget_finished_waits(top: Any) -> None:
    """Drop event waits of tasks that were cancelled or removed from their workflow."""
    manager = top.event_manager
    for task in list(manager.tasks.values()):
        if task.has_state(TaskState.FINISHED_MASK) or task.workflow.tasks.get(task.id) is not task:
            manager.remove_task(task)


def apply_interrupts(workflow: Any) -> list[str]:
    """Interrupt scopes whose interrupting event subprocess has started; returns their ids."""
    interrupted = []
    for esp_task, subworkflow in _started_event_subprocesses(workflow):
        if esp_task.internal_data.get(INTERRUPTED_KEY):
            continue
        start = _fired_start(subworkflow)
        if start is None or not _is_interrupting(start.task_spec):
            continue
        esp_task.internal_data[INTERRUPTED_KEY] = True
        _cancel_scope_except(esp_task)
        interrupted.append(esp_task.task_spec.bpmn_id)
    return interrupted


def interrupt_on_start(start: Any) -> None:
    """An event subprocess's start event just ran: interrupt its scope now, before the
    subprocess may run to its end in the same pass (a finished one is no longer "started",
    and nothing would cancel the rest)."""
    sub = start.workflow
    top = sub.top_workflow
    if sub is top or sub.parent_task_id is None:
        return
    parent = top.get_task_from_id(sub.parent_task_id)
    if parent is not None and is_event_subprocess(parent):
        apply_interrupts(top)


def is_event_subprocess(task: Any) -> bool:
    """The Camunda parser builds event subprocesses as call activities: they hang off Start
    (timer ones) or are its trigger specs (the others; once triggered, SpiffWorkflow connects
    them in the spec of that process only, so a fresh spec elsewhere still lists them here)."""
    spec = task.task_spec
    if not isinstance(spec, SubWorkflowTask):
        return False
    return spec.name in task.workflow.spec.start.trigger_specs or any(
        isinstance(i, BpmnStartTask) for i in spec.inputs)


def _started_event_subprocesses(workflow: Any) -> list[tuple[Any, Any]]:
    """(event subprocess task, its workflow) for every running event subprocess."""
    found = []
    for task_id, subworkflow in list(workflow.subprocesses.items()):
        task = workflow.get_task_from_id(task_id)
        if task is not None and is_event_subprocess(task) and not task.has_state(
            TaskState.FINISHED_MASK
        ):
            found.append((task, subworkflow))
    return found


def _trigger_starts(workflow: Any) -> list[tuple[Any, Any]]:
    """(event subprocess spec name, start event spec) of the top scope's triggered starts."""
    found: dict[str, tuple[Any, Any]] = {}
    for name in workflow.spec.start.trigger_specs:  # a name may be listed more than once
        sub_spec = workflow.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", None) or []:
            found.setdefault(start.bpmn_id, (name, start))
    return list(found.values())


def _scope_interrupted(workflow: Any) -> bool:
    return any(t.internal_data.get(INTERRUPTED_KEY) for t, _ in _started_event_subprocesses(workflow))


def pending_trigger_starts(workflow: Any) -> list[Any]:
    """Start event specs of event subprocesses an outside event would start now."""
    if workflow.is_completed() or _scope_interrupted(workflow):
        return []
    return [start for _name, start in _trigger_starts(workflow)]


def trigger_waits(workflow: Any) -> list[dict[str, Any]]:
    """Message waits of the event subprocesses that a message would start, and signal waits."""
    from engine.spiff.event_starts import signal_waits

    # SpiffWorkflow connects a triggered event subprocess to Start for good (in the shared
    # spec), after which new instances wait at its start event like any catch event.
    listening = {t.task_spec.bpmn_id for t in workflow.event_manager.tasks.values()}
    waits = signal_waits(workflow)
    for start in pending_trigger_starts(workflow):
        definition = start.event_definition
        if isinstance(definition, MessageEventDefinition) and start.bpmn_id not in listening:
            waits.append({
                "task_id": None, "element_id": start.bpmn_id, "name": start.bpmn_name,
                "message": definition.name, "condition": None,
                "result_variable": getattr(definition, "result_var", None),
            })
    return waits


def start_triggered(workflow: Any, definition: Any) -> list[str]:
    """Start the event subprocesses whose start event listens for `definition`; their ids."""
    if workflow.is_completed() or _scope_interrupted(workflow):
        return []
    matching = [start.bpmn_id for _n, start in _trigger_starts(workflow)
                if start.event_definition == definition]
    if matching:
        workflow.event_manager.update_collaboration(BpmnEvent(definition))
    return matching
