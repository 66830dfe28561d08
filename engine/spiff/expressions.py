"""Camunda 7 expression conventions: `${...}` and `#{...}` are JUEL (engine.spiff.juel).

* A text containing `${...}` / `#{...}` is a JUEL composite expression: exactly one
  expression yields its value (`${amount}` is a number), text mixed with expressions
  yields a String (`Lead ${record.title}`).
* Any other parameter value is a literal string (`lead`, `PT5M`).
* Python, a documented extension where it cannot be mistaken for JUEL:
  - a bare condition or timer text without `${}` (Camunda would not accept those);
  - a condition with `language="python"` (see engine.spiff.condition_language);
  - a whole `${...}` whose body is not JUEL but compiles as sandboxed Python
    (`${{"status": "JUNK"}}`, a dict), kept for diagrams deployed before JUEL.
See docs/expressions.md.
"""

from __future__ import annotations

import functools
from typing import Any

from engine.spiff.isolation import evaluate_python
from engine.spiff.juel import JuelError, Template, compile_template, has_expression
from engine.spiff.juel.lint import lint
from engine.spiff.juel.template import OPENERS, closing_brace
from engine.spiff.sandbox import DEFAULT_TIMEOUT, SandboxError, compile_expression

__all__ = [
    "check_expression",
    "check_parameter",
    "check_python",
    "evaluate_condition",
    "evaluate_expression",
    "has_expression",
    "is_expression",
    "parameter_value",
    "strip_expression",
]


def is_expression(text: Any) -> bool:
    """True when the whole of `text` (stripped) is one `${...}` or `#{...}` expression."""
    if not isinstance(text, str):
        return False
    stripped = text.strip()
    if not stripped.startswith(OPENERS) or len(stripped) <= 3:
        return False
    try:
        return closing_brace(stripped, 2) == len(stripped) - 1
    except JuelError:
        return False


def strip_expression(text: str) -> str:
    """Return the source inside `${...}` / `#{...}`, or `text` itself (stripped) when not wrapped."""
    stripped = text.strip()
    if is_expression(stripped):
        return stripped[2:-1].strip()
    return stripped


@functools.lru_cache(maxsize=4096)
def _compiled(text: str) -> Template | str:
    """The JUEL template of `text`, or the Python source of a whole `${...}` that is only Python."""
    try:
        return compile_template(text)
    except JuelError as juel_error:
        if not is_expression(text):
            raise
        source = strip_expression(text)
        try:
            compile_expression(source)
        except SandboxError:
            raise juel_error from None
        return source


def evaluate_expression(
    text: str, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT,
    writable: dict[str, Any] | None = None,
) -> Any:
    """The value of an expression: JUEL when it has `${}`/`#{}` parts, else bare Python."""
    if not has_expression(text):
        return evaluate_python(text, variables, timeout)
    compiled = _compiled(text.strip())
    if isinstance(compiled, str):
        return evaluate_python(compiled, variables, timeout)
    return compiled.value(variables, writable)


def parameter_value(text: str | None, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Evaluate a parameter: JUEL when it has `${}`/`#{}` parts, anything else as a literal string."""
    if text is None or not has_expression(text):
        return text
    return evaluate_expression(text, variables, timeout)


def evaluate_condition(
    text: str, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT,
    writable: dict[str, Any] | None = None,
) -> bool:
    """Evaluate a condition to a bool; JUEL conditions must yield a Boolean, as in Camunda."""
    if not has_expression(text):
        return bool(evaluate_python(text, variables, timeout))
    compiled = _compiled(text.strip())
    if isinstance(compiled, str):
        return bool(evaluate_python(compiled, variables, timeout))
    return compiled.condition(variables, writable)


def check_parameter(text: str | None) -> str | None:
    """Return an error message if a parameter value would fail to parse, else None."""
    if text is None or not has_expression(text):
        return None
    return check_expression(text)


def check_expression(text: str | None) -> str | None:
    """Return an error message if an expression (JUEL, or bare Python) does not parse, else None."""
    if text is None or not text.strip():
        return "the expression is empty"
    if not has_expression(text):
        return check_python(text)
    try:
        compiled = _compiled(text.strip())
    except JuelError as exc:
        return exc.message
    return lint(compiled) if isinstance(compiled, Template) else None


def check_python(text: str | None) -> str | None:
    """Return an error message if `text` (bare or `${}`-wrapped) does not compile as sandboxed Python."""
    if text is None or not text.strip():
        return "the expression is empty"
    try:
        compile_expression(strip_expression(text))
    except SandboxError as exc:
        return exc.message
    return None
