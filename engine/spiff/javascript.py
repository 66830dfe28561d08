"""JavaScript for scripts, listeners and mapping values, in QuickJS (docs/facts/quickjs.md).

Each run gets a fresh QuickJS context with a time limit and a memory limit and nothing
of the host: no modules, no files, no network, no callbacks into Python (QuickJS refuses
Python callables under a time limit, which is what we want). Variables go in as one JSON
text and come back as JSON: `execution.setVariable` (and `task.setAssignee`) record
changes in plain JS objects that are read back after the script. Plain variable names
are readable globals, as in Camunda's script engines; assigning them changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import quickjs

from engine.spiff.data import DataError, json_clean

JS_FORMATS = frozenset({"javascript", "js", "ecmascript"})
MEMORY_LIMIT = 32 * 1024 * 1024
STACK_LIMIT = 256 * 1024

# The delegate objects. `__in` holds {variables, task, context}; `__out` collects changes.
PRELUDE = r"""
var __in = JSON.parse(__input);
var __out = {set: {}, removed: {}, task: {}};
var __vars = __in.variables;
function __has(o, n) { return Object.prototype.hasOwnProperty.call(o, n); }
function __get(n) {
  if (__has(__out.set, n)) return __out.set[n];
  if (__has(__out.removed, n)) return null;
  return __has(__vars, n) ? __vars[n] : null;
}
var execution = {
  getVariable: __get,
  getVariableLocal: __get,
  hasVariable: function (n) { return __get(n) !== null; },
  setVariable: function (n, v) { __out.set[n] = v === undefined ? null : v; delete __out.removed[n]; },
  removeVariable: function (n) { delete __out.set[n]; __out.removed[n] = true; },
  getVariables: function () {
    var all = {}, k;
    for (k in __vars) if (!__has(__out.removed, k)) all[k] = __vars[k];
    for (k in __out.set) all[k] = __out.set[k];
    return all;
  },
  getId: function () { return __in.context.id; },
  getProcessInstanceId: function () { return __in.context.instance; },
  getActivityId: function () { return __in.context.element; },
  getCurrentActivityId: function () { return __in.context.element; },
  getCurrentActivityName: function () { return __in.context.name; },
  getEventName: function () { return __in.context.event; }
};
execution.setVariableLocal = execution.setVariable;
var task = null;
if (__in.task) {
  var __task = __in.task;
  task = {
    getId: function () { return __task.id; },
    getName: function () { return __task.name; },
    getTaskDefinitionKey: function () { return __task.element; },
    getEventName: function () { return __in.context.event; },
    getAssignee: function () {
      return __has(__out.task, "assignee") ? __out.task.assignee : __task.assignee;
    },
    setAssignee: function (a) { __out.task.assignee = a === undefined ? null : a; },
    getPriority: function () {
      return __has(__out.task, "priority") ? __out.task.priority : __task.priority;
    },
    setPriority: function (p) { __out.task.priority = p; },
    getExecution: function () { return execution; },
    getVariable: execution.getVariable,
    getVariableLocal: execution.getVariable,
    setVariable: execution.setVariable,
    setVariableLocal: execution.setVariable,
    getVariables: execution.getVariables,
    hasVariable: execution.hasVariable
  };
}
(function () {
  for (var k in __vars) {
    if (!(k in globalThis)) globalThis[k] = __vars[k];
  }
})();
"""


class JavaScriptError(Exception):
    """A JavaScript script failed, ran too long or used too much memory."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class JsResult:
    """What a script changed: variables set or removed, task changes and its completion value."""

    set: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    task: dict[str, Any] = field(default_factory=dict)
    value: Any = None


def _context(timeout: float, memory: int) -> Any:
    """A fresh QuickJS context under the limits."""
    ctx = quickjs.Context()
    ctx.set_memory_limit(memory)
    ctx.set_max_stack_size(STACK_LIMIT)
    ctx.set_time_limit(timeout)
    return ctx


def _describe(exc: Exception, timeout: float, memory: int) -> str:
    """A one-line message for a QuickJS failure; the limits get a plain sentence."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if first.startswith("InternalError: interrupted"):
        return f"time limit of {timeout:g} s exceeded"
    if first in ("", "null") or "out of memory" in first:
        return f"memory limit of {memory // (1024 * 1024)} MB exceeded"
    return first


def run_javascript(
    source: str,
    variables: dict[str, Any],
    *,
    task: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    timeout: float = 1.0,
    memory: int = MEMORY_LIMIT,
) -> JsResult:
    """Run `source` with `execution` (and `task`) objects; return what it changed, JSON-clean."""
    payload = json.dumps({"variables": json_clean(variables), "task": task, "context": context or {}})
    ctx = _context(timeout, memory)
    try:
        ctx.set("__input", payload)
        ctx.set("__script", source)
        ctx.eval(PRELUDE)
        # Indirect eval keeps the script at global scope and gives its completion value.
        out = ctx.eval("JSON.stringify([__out, (0, eval)(__script)])")
    except quickjs.JSException as exc:
        raise JavaScriptError(_describe(exc, timeout, memory)) from None
    return _result(out)


def _result(out: Any) -> JsResult:
    """Turn the script's JSON answer into a JsResult with JSON-clean values."""
    if not isinstance(out, str):
        raise JavaScriptError("the script's changes could not be read")
    try:
        changes, value = json.loads(out)
        return JsResult(
            set=json_clean(changes.get("set") or {}),
            removed=sorted(changes.get("removed") or {}),
            task=json_clean(changes.get("task") or {}),
            value=json_clean(value),
        )
    except (ValueError, DataError) as exc:
        raise JavaScriptError(f"the script's changes cannot be stored: {exc}") from None


def check_javascript(source: str) -> str | None:
    """Return a syntax error message for `source`, or None when it compiles."""
    ctx = _context(1.0, MEMORY_LIMIT)
    try:
        ctx.set("__script", source)
        ctx.eval("new Function(__script); null")
    except quickjs.JSException as exc:
        return _describe(exc, 1.0, MEMORY_LIMIT)
    return None
