"""Process instance modification on SpiffWorkflow's task tree (Camunda's "modify process instance").

* cancel an element: its active tasks (ready, waiting, started, in error) are cancelled, with
  the boundary events waiting on them;
* start before an element: when the element already ran (or runs) on this path the path is
  reset there with `reset_from_task_id` (the tasks after it go), carrying the current
  variables; when it lies ahead (only predicted, or not on the tree) a new ready task of it is
  added below the last cancelled task (or the last completed one): a new token;
* start after an element: start before it, then complete it without running it, so what
  follows its outgoing flow is next.
The caller runs the engine afterwards (the new ready tasks run in the next step).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.spiff.runner import workflow_data

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PLACED = ACTIVE | TaskState.FINISHED_MASK  # on the tree for real (not predicted)


class ModifyError(ValueError):
    """An instruction cannot be applied; the message names the element."""


def element_ids(spec: Any, subprocess_specs: dict[str, Any]) -> set[str]:
    """BPMN element ids of the process and its embedded subprocesses."""
    ids: set[str] = set()
    for process in (spec, *subprocess_specs.values()):
        ids.update(getattr(ts, "bpmn_id", None) for ts in process.task_specs.values())
    ids.discard(None)
    return ids


def _tasks_of(workflow: Any, element_id: str, state: int) -> list[Any]:
    return [t for t in workflow.get_tasks(state=state) if getattr(t.task_spec, "bpmn_id", None) == element_id]


def active_elements(workflow: Any) -> set[str]:
    """Element ids with an active task."""
    return {t.task_spec.bpmn_id for t in workflow.get_tasks(state=ACTIVE)
            if getattr(t.task_spec, "bpmn_id", None)}


def cancel(workflow: Any, element_id: str) -> list[Any]:
    """Cancel the element's active tasks (and the boundary events listening on them)."""
    tasks = _tasks_of(workflow, element_id, ACTIVE)
    if not tasks:
        raise ModifyError(f"{element_id} has no active instance to cancel")
    for task in tasks:
        targets = [task]
        if isinstance(task.parent.task_spec, BoundaryEventSplit):  # its boundary subscriptions too
            targets = [c for c in task.parent.children
                       if c is task or not c.has_state(TaskState.FINISHED_MASK)]
        for target in targets:
            if target.has_state(TaskState.ERROR):  # Task.cancel leaves finished (ERROR) tasks as they are
                target._set_state(TaskState.CANCELLED)
                target._drop_children(force=True)
            elif not target.has_state(TaskState.FINISHED_MASK):
                target.cancel()
    return tasks


def start_before(workflow: Any, element_id: str, anchor: Any = None) -> Any:
    """Make the element ready (see the module's docstring); returns its task."""
    variables = workflow_data(workflow)
    placed = _tasks_of(workflow, element_id, PLACED)
    if placed:
        task = placed[-1]
        workflow.reset_from_task_id(task.id, data=deepcopy(variables))
        return task
    spec = workflow.spec.task_specs.get(_spec_name(workflow, element_id))
    if spec is None:
        raise ModifyError(f"{element_id} lies inside a subprocess that has not started: start before "
                          "the subprocess")
    parent = anchor if anchor is not None else workflow.last_task
    if parent is None or not parent.has_state(TaskState.FINISHED_MASK):
        raise ModifyError(f"{element_id}: no finished task to start it from")
    task = Task(workflow, spec, parent, state=TaskState.FUTURE)
    task.data = deepcopy(variables)
    task.task_spec._update(task)
    if not task.has_state(ACTIVE):
        raise ModifyError(f"{element_id} cannot start here (it waits for other branches)")
    return task


def _spec_name(workflow: Any, element_id: str) -> str | None:
    for name, spec in workflow.spec.task_specs.items():
        if getattr(spec, "bpmn_id", None) == element_id:
            return name
    return None


def start_after(workflow: Any, element_id: str, anchor: Any = None) -> Any:
    """Complete the element without running it, so the flow continues after it."""
    task = start_before(workflow, element_id, anchor)
    if not task.has_state(TaskState.READY | TaskState.WAITING):
        raise ModifyError(f"{element_id} cannot be passed over here")
    task.complete()
    return task


def set_variables(workflow: Any, variables: dict[str, Any]) -> None:
    """Set process variables where the next tasks read them (the active tasks, the last one)."""
    targets = list(workflow.get_tasks(state=ACTIVE))
    if workflow.last_task is not None:
        targets.append(workflow.last_task)
    for task in targets or [workflow.task_tree]:
        task.data.update(deepcopy(variables))


def apply(workflow: Any, instructions: list[dict[str, str]]) -> list[str]:
    """Apply instructions in order; returns a line per instruction for the instance log."""
    done, anchor = [], None
    for item in instructions:
        kind, element = item["type"], item["activityId"]
        if kind == "cancel":
            anchor = cancel(workflow, element)[-1]
            done.append(f"cancelled {element}")
        elif kind == "startBeforeActivity":
            start_before(workflow, element, anchor)
            done.append(f"started before {element}")
        else:
            start_after(workflow, element, anchor)
            done.append(f"started after {element}")
    if not workflow.is_completed() and not workflow.get_tasks(state=ACTIVE):
        raise ModifyError("the instructions leave no active element: terminate the instance instead")
    return done
