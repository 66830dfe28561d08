"""The due time of the engine's jobs inside a workflow: a waiting timer event, or a failed step
waiting for its next attempt (async_retry). Moving it is what Camunda's `PUT /job/{id}/duedate`
does; moving it to now and firing due timers is `POST /job/{id}/execute`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.spiff.async_retry import RETRIES_LEFT, RETRY_DUE, waiting_retry
from engine.spiff.snapshot import listened


class NotAJob(ValueError):
    """The task is no longer a waiting timer or retry (it fired, or the instance moved on)."""


def _task(workflow: Any, task_id: str) -> Any:
    try:
        return workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, KeyError, WorkflowException):
        return None


def retry_waits(workflow: Any) -> dict[str, int]:
    """{task id: retries left} of the failed steps waiting for another attempt."""
    return {str(t.id): t.internal_data.get(RETRIES_LEFT, 0)
            for t in workflow.get_tasks(state=TaskState.READY) if waiting_retry(t)}


def _waiting_timers(task: Any) -> list[Any]:
    """The timer definitions a waiting event task (or event-based gateway) listens for."""
    if task is None or not task.has_state(TaskState.WAITING):
        return []
    if getattr(task.task_spec, "event_definition", None) is None:
        return []
    return [d for d, _owner in listened(task) if isinstance(d, TimerEventDefinition)]


def move_due(workflow: Any, task_id: str, due: datetime) -> None:
    """Set when the job of task `task_id` is due (`due` naive UTC); NotAJob when it has none."""
    task = _task(workflow, task_id)
    if task is not None and task.has_state(TaskState.READY) and waiting_retry(task):
        task.internal_data[RETRY_DUE] = due.isoformat()  # as async_retry stores it: naive UTC
        return
    timers = _waiting_timers(task)
    value = task.internal_data.get("event_value") if timers else None
    if value is None:
        raise NotAJob(f"task {task_id} waits for no timer")
    stamp = due.replace(tzinfo=UTC).isoformat()
    if isinstance(timers[0], CycleTimerEventDefinition) and isinstance(value, dict):
        task.internal_data["event_value"] = {**value, "next": stamp}  # the cycle goes on from there
    else:  # a date or a duration: SpiffWorkflow keeps the computed time as an ISO string
        task.internal_data["event_value"] = stamp
