"""What a step did to a workflow, read from its task tree: the runtime's log entries."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.spiff.stepping import ran_tasks

_MISSING = object()
LOGGED_PER_STEP = 50  # a long loop logs a summary, not one row per element run


def completed_task_ids(wf: Any) -> set:
    """Ids of the tasks completed so far (compared before and after a step)."""
    return {t.id for t in wf.get_tasks(state=TaskState.COMPLETED)}


def seed_ready_tasks(wf: Any, event: Any) -> bool:
    """Give every ready or future task the starting event; False when nothing is ready to run."""
    if not wf.get_tasks(state=TaskState.READY):
        return False
    for task in wf.get_tasks(state=TaskState.READY | TaskState.FUTURE):
        task.data.setdefault("event", event)
    return True


def step_log(wf: Any, done_before: set, data_before: dict, data_after: dict) -> list[dict]:
    """Log entries: each element completed in the step (pruned ones too), then the variables it changed."""
    entries = _completed_entries(wf, done_before)
    changed = {k: v for k, v in data_after.items()
               if k not in ("record", "event") and data_before.get(k, _MISSING) != v}
    if changed:
        entries.append({"kind": "data", "element_id": None, "message": "Variables changed: "
                        + ", ".join(sorted(changed)), "data": changed})
    return entries


def _completed_entries(wf: Any, done_before: set) -> list[dict]:
    """One entry per element completed in the step, at most LOGGED_PER_STEP, then a summary."""
    entries, seen, more = [], set(done_before), 0
    for task in [*ran_tasks(wf), *wf.get_tasks(state=TaskState.COMPLETED)]:
        element = getattr(task.task_spec, "bpmn_id", None)
        if task.id in seen or not element or task.task_spec.manual or not task.has_state(TaskState.COMPLETED):
            continue
        seen.add(task.id)
        if len(entries) >= LOGGED_PER_STEP:
            more += 1
            continue
        label = getattr(task.task_spec, "bpmn_name", None) or element
        entries.append({"kind": "task_completed", "element_id": element,
                        "message": f"Completed {label}", "data": {"task_uuid": str(task.id)}})
    if more:
        entries.append({"kind": "task_completed", "element_id": None,
                        "message": f"... and {more} more elements completed in this step", "data": {}})
    return entries
