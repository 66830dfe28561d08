"""Retries of asynchronous continuations, as Camunda retries a failed job.

An element marked `camunda:asyncBefore`/`asyncAfter` runs as its own job in Camunda; when it
fails, the job is retried (3 attempts by default) before an incident opens. Here a failed
async element is reset (its data kept) while attempts are left, and the instance is left
running without a wake-up: the beat's stale sweep (FLOWDESK_ENGINE_STALE_SECONDS) runs it
again, which spaces the attempts. The attempts per element are counted on the root task.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.spiff.listeners import hooks_of

ATTEMPTS_KEY = "flowdesk_async_attempts"


def retry_failed_async(workflow: Any, attempts: int) -> dict[str, Any] | None:
    """Reset the one failed task if it is asynchronous with attempts left: {element_id, message,
    retries_left}; None when it stays failed (an incident)."""
    failed = workflow.get_tasks(state=TaskState.ERROR)
    if len(failed) != 1 or not hooks_of(failed[0].task_spec).get("async"):
        return None
    task = failed[0]
    root = workflow.top_workflow.task_tree
    counts = dict(root.internal_data.get(ATTEMPTS_KEY) or {})
    element = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
    used = counts.get(element, 0) + 1
    counts[element] = used
    root.internal_data[ATTEMPTS_KEY] = counts
    message = task.internal_data.get("error") or f"{element} failed"
    if used >= attempts:
        task._set_internal_data(error=f"{message} (failed {used} times, no retries left)")
        return None
    workflow.reset_from_task_id(task.id)
    return {"element_id": element, "message": message, "retries_left": attempts - used}
