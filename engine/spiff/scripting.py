"""One entry point for scripts in both languages, with Camunda's `execution` and `task` objects.

Python runs in the RestrictedPython sandbox inside a script worker process
(engine.spiff.isolation, engine.spiff.script_pool): `execution` and `task` are `Record`s of
plain functions (the sandbox reads mapping keys as attributes, nothing with `_`), and
top-level assignments still become variables as before. JavaScript runs in QuickJS
(engine.spiff.javascript). Both report the same `ScriptOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.spiff import isolation
from engine.spiff.data import DataError, json_clean
from engine.spiff.javascript import JS_FORMATS, JavaScriptError, run_javascript
from engine.spiff.sandbox import DEFAULT_TIMEOUT, Record, SandboxError, compile_expression, evaluate, execute

PYTHON_FORMATS = frozenset({"", "python", "python3", "py"})
DELEGATES = ("execution", "task")


class ScriptError(Exception):
    """A script failed (any language); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ScriptOutcome:
    """Variables set or removed, task changes (assignee...) and the script's value."""

    set: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    task: dict[str, Any] = field(default_factory=dict)
    value: Any = None

    def apply(self, data: dict[str, Any]) -> None:
        """Write the variable changes into task data."""
        for name in self.removed:
            data.pop(name, None)
        data.update(self.set)


def normal_format(script_format: str | None) -> str:
    """'python' or 'javascript' for a supported scriptFormat, else the lower-cased text."""
    text = (script_format or "").strip().lower()
    if text in PYTHON_FORMATS:
        return "python"
    return "javascript" if text in JS_FORMATS else text


def delegates(
    variables: dict[str, Any], outcome: ScriptOutcome, context: dict[str, Any], task: dict[str, Any] | None
) -> dict[str, Any]:
    """`execution` (and `task`) for sandboxed Python, recording changes into `outcome`."""

    def get(name: str) -> Any:
        if name in outcome.set:
            return outcome.set[name]
        return None if name in outcome.removed else variables.get(name)

    def set_(name: str, value: Any) -> None:
        outcome.set[str(name)] = json_clean(value)
        if name in outcome.removed:
            outcome.removed.remove(name)

    def remove(name: str) -> None:
        outcome.set.pop(name, None)
        outcome.removed.append(str(name))

    def all_() -> dict[str, Any]:
        found = {k: v for k, v in variables.items() if k not in outcome.removed and k not in DELEGATES}
        return {**found, **outcome.set}

    execution = Record(
        getVariable=get, getVariableLocal=get, setVariable=set_, setVariableLocal=set_,
        hasVariable=lambda name: get(name) is not None, removeVariable=remove, getVariables=all_,
        getId=lambda: context.get("id"), getProcessInstanceId=lambda: context.get("instance"),
        getActivityId=lambda: context.get("element"), getCurrentActivityId=lambda: context.get("element"),
        getCurrentActivityName=lambda: context.get("name"), getEventName=lambda: context.get("event"),
    )  # fmt: skip
    found = {"execution": execution}
    if task is not None:
        found["task"] = _task_delegate(task, execution, outcome, context)
    return found


def _task_delegate(
    task: dict[str, Any], execution: Record, outcome: ScriptOutcome, context: dict[str, Any]
) -> Record:
    """The `task` object of a task listener (Python)."""

    def field_(name: str) -> Any:
        return outcome.task[name] if name in outcome.task else task.get(name)

    def setter(name: str) -> Any:
        return lambda value: outcome.task.__setitem__(name, json_clean(value))

    return Record(
        getId=lambda: task.get("id"), getName=lambda: task.get("name"),
        getTaskDefinitionKey=lambda: task.get("element"), getEventName=lambda: context.get("event"),
        getAssignee=lambda: field_("assignee"), setAssignee=setter("assignee"),
        getPriority=lambda: field_("priority"), setPriority=setter("priority"),
        getExecution=lambda: execution, getVariable=execution["getVariable"],
        getVariableLocal=execution["getVariable"], setVariable=execution["setVariable"],
        setVariableLocal=execution["setVariable"], getVariables=execution["getVariables"],
        hasVariable=execution["hasVariable"],
    )  # fmt: skip


def run_script(
    script_format: str | None,
    source: str,
    variables: dict[str, Any],
    *,
    context: dict[str, Any] | None = None,
    task: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ScriptOutcome:
    """Run a script (listener, mapping value); raise ScriptError with the reason."""
    language, context = normal_format(script_format), dict(context or {})
    if language == "javascript":
        try:
            found = run_javascript(source, variables, task=task, context=context, timeout=timeout)
        except JavaScriptError as exc:
            raise ScriptError(exc.message) from None
        return ScriptOutcome(found.set, found.removed, found.task, found.value)
    if language != "python":
        raise ScriptError(f"script format {script_format!r} is not supported")
    try:
        changes = isolation.run_python(source, variables, context, task, timeout)
    except SandboxError as exc:
        raise ScriptError(exc.message) from None
    return ScriptOutcome(changes["set"], changes["removed"], changes["task"], changes["value"])


def run_python_inline(
    source: str,
    variables: dict[str, Any],
    context: dict[str, Any],
    task: dict[str, Any] | None,
    timeout: float,
) -> ScriptOutcome:
    """Python here (in a script worker): an expression gives its value, assignments become variables."""
    outcome = ScriptOutcome()
    scope = {**variables, **delegates(variables, outcome, context, task)}
    try:
        try:
            compile_expression(source.strip())
        except SandboxError:
            result = execute(source, scope, timeout)
            changed = {k: v for k, v in result.items() if k not in DELEGATES and variables.get(k, scope) != v}
            outcome.set = {**changed, **outcome.set}
            outcome.value = result.get("result")
        else:
            outcome.value = json_clean(evaluate(source.strip(), scope, timeout))
    except SandboxError as exc:
        raise ScriptError(exc.message) from None
    except DataError as exc:
        raise ScriptError(str(exc)) from None
    return outcome
