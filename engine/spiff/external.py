"""External tasks in the workflow: service tasks waiting for a worker, completed or failed by it.

A service task whose topic no Flowdesk activity serves stays STARTED (specs.WaitForWorker)
with its evaluated input parameters in its internal data. The platform lists them after each
step (`waiting`), completes one with the worker's variables (`complete`) or throws the
worker's BPMN error from it (`throw_error`) so that an error boundary event catches it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.spiff.data import clean_mapping, json_clean
from engine.spiff.event_definitions import FlowdeskErrorEventDefinition
from engine.spiff.specs import ExternalServiceTask


class NotWaiting(ValueError):
    """The task is unknown or no longer waits for a worker."""


def waiting(workflow: Any) -> list[dict[str, Any]]:
    """The tasks waiting for a worker: [{task_uuid, element_id, name, topic, params}]."""
    found = []
    for task in workflow.get_tasks(state=TaskState.STARTED):
        spec = task.task_spec
        if isinstance(spec, ExternalServiceTask):
            found.append({
                "task_uuid": str(task.id), "element_id": spec.bpmn_id, "name": spec.bpmn_name or "",
                "topic": spec.topic, "params": json_clean(task.internal_data.get("external_params") or {}),
            })
    return found


def _open_task(workflow: Any, task_uuid: str) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(str(task_uuid)))
    except (ValueError, KeyError, WorkflowException):
        task = None
    if task is None or not (isinstance(task.task_spec, ExternalServiceTask)
                            and task.has_state(TaskState.STARTED)):
        raise NotWaiting(f"task {task_uuid} does not wait for an external worker")
    return task


def complete(workflow: Any, task_uuid: str, variables: dict[str, Any], local: dict[str, Any]) -> str:
    """Set the worker's variables and complete the task; returns its element id (then `advance`)."""
    task = _open_task(workflow, task_uuid)
    spec: ExternalServiceTask = task.task_spec
    values, local_values = clean_mapping(dict(variables)), clean_mapping(dict(local))
    task.data.update(values)
    if spec.output_parameters or spec.result_variable:  # Camunda: output mappings see local variables
        timeout = getattr(workflow.script_engine, "timeout", 1.0)
        spec._store_result(task, {**values, **local_values}, timeout)
    task.complete()
    return spec.bpmn_id


def throw_error(workflow: Any, task_uuid: str, code: str, message: str | None,
                variables: dict[str, Any]) -> bool:
    """Throw the worker's BPMN error from the task; True when an error event caught it."""
    task = _open_task(workflow, task_uuid)
    task.data.update(clean_mapping(dict(variables)))
    definition = FlowdeskErrorEventDefinition(code, code)
    event = BpmnEvent(definition, payload=dict(task.data), target=task.workflow)
    event.error_message = message
    top = task.workflow.top_workflow
    ready_before = {t.id for t in top.get_tasks(state=TaskState.READY)}
    top.catch(event)
    top.bpmn_events = [e for e in top.bpmn_events if e is not event]  # uncaught: an incident, not a throw
    return any(t.id not in ready_before for t in top.get_tasks(state=TaskState.READY))
