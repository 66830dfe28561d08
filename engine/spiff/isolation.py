"""Where sandboxed Python runs: scripts always in a script worker, expressions when they could loop.

Compilation (and so every refusal the policy makes at compile time) happens here first,
cached, so a bad script costs no round trip and reads the same as before. Variables go to
the worker in the wire encoding (engine.spiff.wire); `execution`/`task` are rebuilt there
from their context and what they changed comes back with the result.
"""

from __future__ import annotations

from typing import Any

from engine.spiff import script_pool, wire
from engine.spiff.bounded import is_bounded
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
    compile_script(source)
    message = {
        "op": "execute",
        "source": source,
        "variables": wire.encode_variables(variables),
        "delegates": None if delegate_context is None else {"context": delegate_context, "task": None},
    }
    reply = script_pool.call(message, timeout)
    return wire.decode(reply.get("result") or {}), _changes(reply)


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
