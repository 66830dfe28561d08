"""RestrictedPython sandbox for BPMN scripts, conditions and parameters.

Uploaded code is compiled with `compile_restricted` under a stricter policy (no imports,
classes, `global`, bare `except`, `finally` or `with`), runs with guarded attribute and
item access (exact-type allow-lists, nothing starting with `_`), an allow-list of
builtins, and a `sys.settrace` time limit that also works outside the main thread.
A C-level computation (`10 ** 10 ** 9`) or a memory bomb is not stopped here: the engine
runs scripts and unbounded expressions in script workers (engine.spiff.script_pool) whose
hard wall-clock and memory limits do that.
"""

from __future__ import annotations

import copy
import functools
import os
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from engine.spiff.data import DataError, json_clean
from engine.spiff.sandbox_guards import BUILTINS, GUARDS, Record

__all__ = [
    "Record",
    "SandboxError",
    "compile_expression",
    "compile_script",
    "evaluate",
    "execute",
]

FILENAME = "<sandbox>"
DEFAULT_TIMEOUT = float(os.environ.get("FLOWDESK_SCRIPT_SECONDS", "1"))


class SandboxError(Exception):
    """An uploaded expression or script failed to compile, was refused, or failed at run time."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _LimitExceeded(BaseException):
    """Raised by the watchdog; a BaseException, so sandboxed `except Exception` cannot catch it."""


MAX_CALL_DEPTH = 100


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus constructs that could defeat the time limit or escape."""

    def _refuse(self, node: Any, what: str) -> None:
        """Record a refusal for `node`."""
        self.error(node, f"{what} are not allowed in process scripts.")

    def visit_Import(self, node: Any) -> Any:
        """Refuse `import`."""
        self._refuse(node, "Imports")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: Any) -> Any:
        """Refuse class definitions."""
        self._refuse(node, "Class definitions")
        return node

    def visit_Global(self, node: Any) -> Any:
        """Refuse `global` / `nonlocal`."""
        self._refuse(node, "global/nonlocal statements")
        return node

    visit_Nonlocal = visit_Global

    def visit_With(self, node: Any) -> Any:
        """Refuse `with` blocks."""
        self._refuse(node, "with-blocks")
        return node

    def visit_Try(self, node: Any) -> Any:
        """Allow try/except with explicit exception types, refuse `finally` and bare `except`."""
        if node.finalbody:
            self._refuse(node, "finally-blocks")
        for handler in node.handlers:
            if handler.type is None:
                self._refuse(handler, "Bare 'except:' clauses")
        return self.node_contents_visit(node)

    visit_TryStar = visit_Try


def _compile(source: str, mode: str) -> CodeType:
    """Compile `source` with the restricting policy, raising SandboxError with the line."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename=FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        first = result.errors[0] if result.errors else "could not compile"
        raise SandboxError(first, line=_line_of(first))
    return result.code


def _line_of(message: str) -> int | None:
    """Extract 'Line N' from a RestrictedPython error message."""
    if message.startswith("Line "):
        number = message[5:].split(":", 1)[0]
        return int(number) if number.isdigit() else None
    return None


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile a Python expression for `evaluate` (cached by source)."""
    if not isinstance(source, str) or not source.strip():
        raise SandboxError("Line 1: the expression is empty", line=1)
    return _compile(source.strip(), "eval")


@functools.lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    """Compile a Python script for `execute` (cached by source)."""
    if not isinstance(source, str):
        raise SandboxError("Line 1: the script is not text", line=1)
    return _compile(textwrap.dedent(source).strip("\n"), "exec")


def _globals(variables: dict[str, Any]) -> dict[str, Any]:
    """Build the globals of one run: builtins, the caller's variables, then the guards."""
    scope: dict[str, Any] = {"__builtins__": BUILTINS, "__name__": "sandbox"}
    for name, value in variables.items():
        if isinstance(name, str) and not name.startswith("_"):
            scope[name] = value
    scope.update(GUARDS)
    return scope


def _watchdog(deadline: float, timeout: float) -> Callable[..., Any]:
    """Return a trace function enforcing the deadline and a call-depth cap on sandboxed frames.

    The depth cap keeps Python's own RecursionError away from the tracer: an error inside a
    trace function silently uninstalls it, which would end the time limit.
    """
    depth = [0]

    def local_trace(frame: FrameType, event: str, arg: Any) -> Any:
        """Check the deadline on every opcode/line of a sandboxed frame."""
        if event == "return":
            depth[0] -= 1
        if time.monotonic() > deadline:
            raise _LimitExceeded(f"time limit of {timeout:g} s exceeded")
        return local_trace

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        """Trace sandboxed frames only, per opcode (a one-line `while 1: pass` has no line events)."""
        if frame.f_code.co_filename != FILENAME:
            return None
        depth[0] += 1
        if depth[0] > MAX_CALL_DEPTH:
            raise _LimitExceeded(f"calls nested deeper than {MAX_CALL_DEPTH} levels")
        frame.f_trace_opcodes = True
        return local_trace(frame, event, arg)

    return global_trace


def _run(code: CodeType, scope: dict[str, Any], timeout: float) -> Any:
    """Evaluate `code` in `scope` under the limits, restoring any previous tracer."""
    previous = sys.gettrace()
    sys.settrace(_watchdog(time.monotonic() + timeout, timeout))
    try:
        return eval(code, scope)
    except _LimitExceeded as exc:
        raise SandboxError(str(exc)) from None
    except SandboxError:
        raise
    except Exception as exc:
        raise _runtime_error(exc) from exc
    finally:
        sys.settrace(previous)


def _runtime_error(exc: Exception) -> SandboxError:
    """Describe an exception raised by sandboxed code, with the line in the uploaded source."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == FILENAME:
            line = frame.lineno
    detail = f"{type(exc).__name__}: {exc}"
    return SandboxError(f"Line {line}: {detail}" if line else detail, line=line)


def evaluate(source: str, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Evaluate an expression with `variables` in scope and return its value."""
    return _run(compile_expression(source), _globals(variables), timeout)


def execute(
    source: str,
    variables: dict[str, Any],
    timeout: float = DEFAULT_TIMEOUT,
    own: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run a script on a copy of `variables`; return them with the script's assignments, JSON-clean.

    `own`: a private deep copy of `variables` the caller made already (a script worker decodes
    its job twice, cheaper than `copy.deepcopy`), used as the script's scope instead.
    """
    code = compile_script(source)
    scope = _globals(copy.deepcopy(variables) if own is None else own)
    _run(code, scope, timeout)
    return _clean_result(variables, scope)


def _clean_result(variables: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    """Keep the variables (old and new) of `scope` that are JSON-clean; drop helpers and functions."""
    result: dict[str, Any] = {}
    for name, value in scope.items():
        if name.startswith("_") or name in GUARDS:
            continue
        if name == "typename":
            raise SandboxError("the variable name 'typename' is reserved")
        try:
            result[name] = json_clean(value)
        except DataError as exc:
            if "typename" in str(exc):
                raise SandboxError(str(exc)) from None
    return result
