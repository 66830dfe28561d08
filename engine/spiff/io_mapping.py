"""`camunda:inputOutput` on activities: local input variables and output mappings.

Inputs are evaluated when the activity starts (before its start listeners) with the
process variables in scope and become LOCAL variables: visible to the activity (its
script, form, listeners, a subprocess's children) and removed when it ends, restoring
any process variable of the same name. Outputs are evaluated when it ends (after its
end listeners) with the locals still in scope and are written to the process scope.
A value is `{"kind": "text"|"script"|"list"|"map"|"null", ...}` (engine.spiff.hook_parse);
text is a literal or a whole `${...}` expression, as for external task parameters.
External service tasks keep their own parameter handling (engine.spiff.specs).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.spiff.data import DataError, json_clean
from engine.spiff.expressions import parameter_value
from engine.spiff.listeners import hooks_of, task_context, timeout_of
from engine.spiff.sandbox import SandboxError
from engine.spiff.scripting import ScriptError, run_script

LOCALS_KEY = "io_locals"


def evaluate_value(value: dict[str, Any], variables: dict[str, Any], task: Any) -> Any:
    """Evaluate one mapping value (nested lists and maps included)."""
    kind = value.get("kind")
    if kind == "list":
        return [evaluate_value(item, variables, task) for item in value.get("items", [])]
    if kind == "map":
        return {key: evaluate_value(item, variables, task) for key, item in value.get("entries", [])}
    if kind == "script":
        context = task_context(task, "mapping")
        outcome = run_script(
            value.get("format"),
            value.get("source") or "",
            variables,
            context=context,
            timeout=timeout_of(task),
        )
        return outcome.value
    if kind == "null":
        return None
    return parameter_value(value.get("text"), variables, timeout_of(task))


def _evaluate_all(task: Any, pairs: list[Any], what: str) -> dict[str, Any]:
    """Evaluate (name, value) pairs in order; a failure names the parameter."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        try:
            found[name] = json_clean(evaluate_value(value, {**task.data, **found}, task))
        except (SandboxError, ScriptError, DataError) as exc:
            reason = getattr(exc, "message", None) or str(exc)
            message = f"{what} parameter {name!r} failed: {reason}"
            raise WorkflowTaskException(message, task=task, exception=exc) from exc
    return found


def apply_inputs(task: Any) -> None:
    """Create the activity's local variables, remembering what they shadow."""
    pairs = hooks_of(task.task_spec).get("inputs") or []
    if not pairs or LOCALS_KEY in task.internal_data:
        return
    values = _evaluate_all(task, pairs, "input")
    shadowed = {name: [name in task.data, task.data.get(name)] for name in values}
    task._set_internal_data(**{LOCALS_KEY: shadowed})
    task.data.update(values)


def apply_outputs(task: Any) -> None:
    """Evaluate the outputs, drop the locals (restoring shadowed values), write the outputs."""
    hooks = hooks_of(task.task_spec)
    values = _evaluate_all(task, hooks.get("outputs") or [], "output")
    shadowed = task.internal_data.pop(LOCALS_KEY, None) or {}
    for name, (existed, old) in shadowed.items():
        if existed:
            task.data[name] = old
        else:
            task.data.pop(name, None)
    task.data.update(values)
