"""Camunda execution and task listeners, the script-task runner and the error variables.

What the parser keeps (engine.spiff.hook_parse) lives in `spec.extensions["hooks"]`:
`listeners` (event -> bodies) for execution listeners (start, end), `task_listeners`
(create, assignment, complete, delete), `take` (target element -> bodies of the flow's
take listeners) and `script_format` (error variables: engine.spiff.event_definitions). A body is
`{"kind": "script", "format": ..., "source": ...}` or `{"kind": "expression", "text": ...}`.
A failing listener raises WorkflowTaskException, which puts its task in ERROR.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from engine.spiff.expressions import evaluate_expression
from engine.spiff.sandbox import SandboxError
from engine.spiff.scripting import ScriptError, ScriptOutcome, delegates, normal_format, run_script
from engine.spiff.snapshot import element_label, opened_task_state

HOOKS_KEY = "hooks"
TAKEN = (TaskState.FUTURE, TaskState.READY, TaskState.WAITING, TaskState.STARTED)


def hooks_of(spec: Any) -> dict[str, Any]:
    """The hooks the parser kept for a spec (empty when none)."""
    return dict((getattr(spec, "extensions", None) or {}).get(HOOKS_KEY) or {})


def guarded(task: Any, hook: Any) -> bool:
    """Run `hook(task)`; on failure record the error on the task (named) and return False."""
    try:
        hook(task)
    except WorkflowTaskException as exc:
        task._set_internal_data(error=f"{element_label(task)}: {exc.args[0] if exc.args else exc}")
        task.workflow.top_workflow.event_manager.remove_task(task)
        return False
    return True


def timeout_of(task: Any) -> float:
    """The script time limit of the task's workflow."""
    return float(getattr(task.workflow.script_engine, "timeout", 1.0))


def task_context(task: Any, event: str) -> dict[str, Any]:
    """What `execution.getActivityId()` and friends answer."""
    spec = task.task_spec
    return {
        "id": str(task.id),
        "instance": str(task.workflow.top_workflow.task_tree.id),
        "element": getattr(spec, "bpmn_id", None),
        "name": getattr(spec, "bpmn_name", None),
        "event": event,
    }


def run_body(
    task: Any, body: dict[str, Any], event: str, task_info: dict[str, Any] | None = None
) -> ScriptOutcome:
    """Run one listener body against the task's data; apply and return what it changed."""
    context = task_context(task, event)
    try:
        if body.get("kind") == "expression":
            outcome = ScriptOutcome()
            scope = {**task.data, **delegates(task.data, outcome, context, task_info)}
            # JUEL resolves `execution` itself; its setVariable writes land in outcome.set.
            evaluate_expression(body.get("text") or "", scope, timeout_of(task), writable=outcome.set)
        else:
            source = body.get("source") or ""
            outcome = run_script(
                body.get("format"),
                source,
                task.data,
                context=context,
                task=task_info,
                timeout=timeout_of(task),
            )
    except (ScriptError, SandboxError) as exc:
        raise WorkflowTaskException(
            f"{event} listener failed: {exc.message}", task=task, exception=exc
        ) from exc
    outcome.apply(task.data)
    return outcome


def fire_execution(task: Any, event: str) -> None:
    """Run the element's execution listeners for `event` (start, end), in document order."""
    for body in hooks_of(task.task_spec).get("listeners", {}).get(event, []):
        run_body(task, body, event)


def fire_take(task: Any) -> None:
    """Run the take listeners of the flows this completed task actually leaves by."""
    take = hooks_of(task.task_spec).get("take") or {}
    if not take:
        return
    for child in task.children:
        target = getattr(child.task_spec, "bpmn_id", None) or child.task_spec.name.split(".")[0]
        if target in take and child.has_state(sum(TAKEN)):
            for body in take[target]:
                run_body(task, body, "take")


def _task_info(task: Any) -> dict[str, Any]:
    """The `task` object's fields for a user task (assignee as evaluated, or as set by listeners)."""
    state = opened_task_state(task)
    spec = task.task_spec
    return {
        "id": str(task.id),
        "name": spec.bpmn_name,
        "element": spec.bpmn_id,
        "assignee": state.get("assignee"),
        "priority": state.get("priority"),
    }


def fire_task(task: Any, event: str) -> None:
    """Run the task listeners for `event`; assignee/priority changes go into the task's state."""
    for body in hooks_of(task.task_spec).get("task_listeners", {}).get(event, []):
        before = _task_info(task)
        outcome = run_body(task, body, event, before)
        state = opened_task_state(task)
        for key in ("assignee", "priority"):
            if key in outcome.task:
                state[key] = outcome.task[key]
        if (
            event != "assignment"
            and "assignee" in outcome.task
            and outcome.task["assignee"] != before["assignee"]
        ):
            fire_task(task, "assignment")


def start_user_task(task: Any) -> None:
    """Task listeners when a user task opens: `assignment` (an assignee is set) then `create`."""
    hooks = hooks_of(task.task_spec).get("task_listeners") or {}
    if not hooks:
        return
    if hooks.get("assignment") and opened_task_state(task).get("assignee") not in (None, ""):
        fire_task(task, "assignment")
    fire_task(task, "create")


def run_script_task(engine: Any, task: Any, script: str, external: dict[str, Any] | None) -> bool:
    """Run a script task's script in its format with `execution`; False means 'not ours' (Python)."""
    language = normal_format(hooks_of(task.task_spec).get("script_format"))
    outcome = ScriptOutcome()
    if language == "javascript":
        try:
            outcome = run_script(
                language, script, task.data, context=task_context(task, "run"), timeout=engine.timeout
            )
        except ScriptError as exc:
            raise WorkflowTaskException(f"script failed: {exc.message}", task=task, exception=exc) from exc
    else:
        # The script runs in a worker; `execution` is rebuilt there and its changes come back.
        changes = engine.environment.run_script(script, task.data, external, task_context(task, "run"))
        outcome = ScriptOutcome(changes["set"], changes["removed"])
    outcome.apply(task.data)
    return True
