"""Element activations of a step, read from the task tree: what the history table keeps.

Completed in the step: each task the step ran (pruned ones too), with the time it started
(stepping records it just before running the task) and its last state change. Open: the tasks
waiting at the end of the step (user tasks, catch events, timers; not boundary events still
listening on their activity), from the time they entered that state.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.spiff.snapshot import listening_boundaries
from engine.spiff.stepping import ran_tasks, started_times

BPMN_TYPES = (
    "UserTask", "ServiceTask", "ScriptTask", "ManualTask", "BusinessRuleTask", "SendTask", "ReceiveTask",
    "CallActivity", "TransactionSubprocess", "SubWorkflowTask", "StartEvent", "EndEvent",
    "IntermediateCatchEvent", "IntermediateThrowEvent", "BoundaryEvent", "ExclusiveGateway",
    "ParallelGateway", "InclusiveGateway", "EventBasedGateway", "NoneTask",
)
OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def element_type(spec: Any) -> str:
    """The BPMN element type of a task spec (its first BPMN class; "Task" for a plain task)."""
    for cls in type(spec).__mro__:
        if cls.__name__ in BPMN_TYPES:
            return "Task" if cls.__name__ == "NoneTask" else cls.__name__
    return type(spec).__name__[:64]


def _row(task: Any, started: float | None, ended: float | None) -> dict:
    return {"task_uuid": str(task.id), "element_id": task.task_spec.bpmn_id,
            "element_type": element_type(task.task_spec),
            "started_at": _moment(started if started is not None else task.last_state_change),
            "ended_at": _moment(ended) if ended is not None else None}


def step_activations(wf: Any, done_before: set) -> tuple[list[dict], list[dict]]:
    """(completed in the step, open at its end): one dict per element task, see the module docstring."""
    starts = started_times(wf)
    completed, seen = [], set(done_before)
    for task in [*ran_tasks(wf), *wf.get_tasks(state=TaskState.COMPLETED)]:
        if task.id in seen or not getattr(task.task_spec, "bpmn_id", None) \
                or not task.has_state(TaskState.COMPLETED):
            continue
        seen.add(task.id)
        completed.append(_row(task, starts.get(task.id), task.last_state_change))
    listening = listening_boundaries(wf)
    open_ = [_row(task, None, None) for task in wf.get_tasks(state=OPEN)
             if getattr(task.task_spec, "bpmn_id", None) and task.task_spec.bpmn_id not in listening
             and (task.task_spec.manual or not task.has_state(TaskState.READY))]
    return completed, open_


def task_outcome(wf: Any, task_uuid: str) -> str:
    """What became of a task that is no longer open: "cancelled", or "completed" (also when pruned:
    pruning drops only finished work)."""
    for task in wf.get_tasks(state=TaskState.CANCELLED):
        if str(task.id) == task_uuid:
            return "cancelled"
    return "completed"
