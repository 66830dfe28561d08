"""A script worker process: runs sandboxed evaluations sent by engine.spiff.script_pool.

Started as `python -m engine.spiff.script_worker MEMORY_MB`. It limits its own address
space (RLIMIT_AS), may not create files or processes, then answers one JSON line per
JSON line on stdin until stdin closes. Before each job it sets its CPU-time limit to what
it has used plus the job's time limit and a margin, a backstop should the parent, which
enforces the wall-clock deadline, be gone. The RestrictedPython guards run here as they
do in-process; this process only adds the hard limits.
"""

from __future__ import annotations

import resource
import sys
from typing import Any

from engine.spiff import wire
from engine.spiff.data import DataError
from engine.spiff.sandbox import SandboxError, evaluate, execute
from engine.spiff.scripting import ScriptError, ScriptOutcome, delegates, run_python_inline

CPU_MARGIN = 2.0


def limit_memory(memory_mb: int) -> None:
    """Cap the address space, and refuse new files and child processes."""
    size = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def limit_cpu(seconds: float) -> None:
    """Let this job use at most `seconds` (plus a margin) more CPU time; SIGXCPU ends the process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + seconds + CPU_MARGIN) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _outcome(outcome: ScriptOutcome) -> dict[str, Any]:
    """A ScriptOutcome as wire data."""
    return {
        "set": wire.encode(outcome.set),
        "removed": list(outcome.removed),
        "task": wire.encode(outcome.task),
        "value": wire.encode(outcome.value),
    }


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types throughout (1, 1.0 and True differ in stored data)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(item, b[key]) for key, item in a.items())
    if type(a) is list:
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def changes_of(result: dict[str, Any], encoded: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(variables new or changed, names gone) of a script's clean `result` against what it was sent.

    `encoded` is the job's wire form: a value that was tagged (a date, a Record) differs from its
    clean form, so it comes back as the script left it, as the whole result would.
    """
    changed = {name: value for name, value in result.items()
               if name not in encoded or not _same(value, encoded[name])}
    return changed, [name for name in encoded if name not in result]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job and return its answer (errors included)."""
    op, source, timeout = job.get("op"), job.get("source") or "", float(job.get("timeout") or 1.0)
    encoded = job.get("variables") or {}
    variables = wire.decode(encoded)
    scope_of = job.get("delegates")
    context, task = (scope_of or {}).get("context") or {}, (scope_of or {}).get("task")
    if op == "script":
        return {"outcome": _outcome(run_python_inline(source, variables, context, task, timeout))}
    outcome = ScriptOutcome()
    extra = {} if scope_of is None else delegates(variables, outcome, context, task)
    if op == "execute":
        # the script's own copy: decoded again (the delegates read `variables` as they were before)
        own = {**wire.decode(encoded), **extra}
        result = execute(source, {**variables, **extra}, timeout, own=own)
        if job.get("diff"):  # only what the script changed: the caller keeps the rest
            changed, removed = changes_of(result, encoded)
            return {"changed": wire.encode(changed), "removed": removed, "outcome": _outcome(outcome)}
        return {"result": wire.encode(result), "outcome": _outcome(outcome)}
    if op == "evaluate":
        value = evaluate(source, {**variables, **extra}, timeout)
        return {"value": wire.encode(value), "outcome": _outcome(outcome)}
    if op == "ping":
        return {"value": "pong"}
    return {"error": f"unknown job {op!r}"}


def answer(job: dict[str, Any], memory_mb: int) -> dict[str, Any]:
    """Run `job`, turning every failure into an error answer; a memory error asks to be replaced."""
    memory = {"error": f"memory limit of {memory_mb} MB exceeded", "memory": True}
    try:
        return run_job(job)
    except MemoryError:
        return memory
    except (SandboxError, ScriptError) as exc:
        if isinstance(exc.__cause__, MemoryError) or exc.message.endswith("MemoryError: "):
            return memory
        return {"error": exc.message, "line": getattr(exc, "line", None)}
    except (DataError, wire.WireError) as exc:
        return {"error": str(exc)}
    except RecursionError:
        return {"error": "the data or the result is nested too deeply"}


def serve(memory_mb: int) -> None:
    """Answer jobs from stdin until it closes."""
    out = sys.stdout.buffer
    out.write(wire.dumps({"ready": True}))
    out.flush()
    for line in sys.stdin.buffer:
        try:
            job = wire.loads(line)
        except ValueError as exc:
            reply: dict[str, Any] = {"error": f"bad job: {exc}"}
        else:
            limit_cpu(float(job.get("timeout") or 1.0))
            reply = answer(job, memory_mb)
        try:
            data = wire.dumps(reply)
        except (TypeError, ValueError, MemoryError):
            data = wire.dumps({"error": "the result cannot be passed back", "memory": True})
        out.write(data)
        out.flush()


def main() -> None:
    """Entry point: `python -m engine.spiff.script_worker MEMORY_MB`."""
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    limit_memory(memory_mb)
    serve(memory_mb)


if __name__ == "__main__":
    main()
