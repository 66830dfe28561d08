"""Where sandboxed Python runs: scripts always in a script worker, expressions when they could loop.

Compilation (and so every refusal the policy makes at compile time) happens here first,
cached, so a bad script costs no round trip and reads the same as before. Variables go to
the worker in the wire encoding (engine.spiff.wire); `execution`/`task` are rebuilt there
from their context and what they changed comes back with the result. A script task sends
only the variables its code names (all of them when it uses `execution`) and gets back only
those it set, changed or deleted: the round trip no longer carries the whole task data twice.
"""

from __future__ import annotations

import functools
from types import CodeType
from typing import Any

from engine.spiff import script_pool, wire
from engine.spiff.bounded import is_bounded
from engine.spiff.data import RESERVED_KEY as RESERVED
from engine.spiff.sandbox import SandboxError, compile_expression, compile_script, evaluate

Changes = dict[str, Any]


def evaluate_python(source: str, variables: dict[str, Any], timeout: float) -> Any:
    """Evaluate a Python expression: in-process when provably bounded, else in a script worker."""
    source = source.strip()
    compile_expression(source)
    if is_bounded(source):
        return evaluate(source, variables, timeout)
    message = {"op": "evaluate", "source": source, "variables": wire.encode_variables(variables)}
    return wire.decode(script_pool.call(message, timeout).get("value"))


def execute_python(
    source: str, variables: dict[str, Any], timeout: float, delegate_context: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Changes]:
    """Run a script in a worker: its variables (as `sandbox.execute`) and the delegates' changes.

    With `delegate_context`, the script sees `execution` for that context.
    """
    names: frozenset[str] | None = visible_names(source)
    if delegate_context is not None and "execution" in names:
        names = None  # `execution.getVariable(name)` may read any variable
    sent = variables if names is None else {k: v for k, v in variables.items() if k in names}
    message = {
        "op": "execute",
        "source": source,
        "variables": wire.encode_variables(sent),
        "delegates": None if delegate_context is None else {"context": delegate_context, "task": None},
        "diff": True,
    }
    reply = script_pool.call(message, timeout)
    return _rebuilt(variables, reply), _changes(reply)


@functools.lru_cache(maxsize=1024)
def visible_names(source: str) -> frozenset[str]:
    """Every name the script's code (nested functions and comprehensions too) may read or write.

    The sandbox offers no `globals()`, `vars()`, `eval` nor underscore attributes, so a script
    reaches a variable only by its name: only those travel to the worker.
    """
    code, names = compile_script(source), set()
    todo = [code]
    while todo:
        current = todo.pop()
        names.update(current.co_names)
        todo.extend(const for const in current.co_consts if isinstance(const, CodeType))
    return frozenset(names)


def _rebuilt(variables: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    """The script's variables (as `sandbox.execute` returns them): ours, with the worker's changes.

    The worker left out the variables the script did not change; task data is JSON-clean already.
    """
    result = {k: v for k, v in variables.items() if isinstance(k, str) and not k.startswith("_")}
    if RESERVED in result:
        raise SandboxError(f"the variable name {RESERVED!r} is reserved")
    result.update(wire.decode(reply.get("changed") or {}))
    for name in reply.get("removed") or ():
        result.pop(name, None)
    return result


def run_python(
    source: str,
    variables: dict[str, Any],
    context: dict[str, Any],
    task: dict[str, Any] | None,
    timeout: float,
) -> Changes:
    """A listener or mapping script in a worker (engine.spiff.scripting's semantics): its changes."""
    try:
        compile_expression(source.strip())
    except SandboxError:  # not an expression: then it must compile as a script
        compile_script(source)
    message = {
        "op": "script",
        "source": source,
        "variables": wire.encode_variables(variables),
        "delegates": {"context": context, "task": task},
    }
    return _changes(script_pool.call(message, timeout))


def _changes(reply: dict[str, Any]) -> Changes:
    """The `outcome` of a reply: set, removed, task and value."""
    outcome = reply.get("outcome") or {}
    return {
        "set": wire.decode(outcome.get("set") or {}),
        "removed": list(outcome.get("removed") or []),
        "task": wire.decode(outcome.get("task") or {}),
        "value": wire.decode(outcome.get("value")),
    }
