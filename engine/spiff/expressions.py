"""Camunda expression conventions on top of the sandbox.

* A value written `${ ... }` (the whole value) is a Python expression evaluated in the
  sandbox; the braces inside belong to the expression, so `${{"status": "JUNK"}}` is a dict.
* Any other parameter value is a literal string (`lead`, `PT5M`).
* Text mixing literal parts and `${...}` (`Lead ${record.title}`) is not supported: it is
  refused at upload (`check_parameter`), write `${"Lead " + record.title}` instead.
* Conditions are expressions, bare (`decision == "junk"`) or wrapped (`${decision == "junk"}`).
"""

from __future__ import annotations

from typing import Any

from engine.spiff.sandbox import DEFAULT_TIMEOUT, SandboxError, compile_expression, evaluate

PREFIX = "${"
SUFFIX = "}"


def is_expression(text: Any) -> bool:
    """True when the whole of `text` is a `${...}` expression."""
    if not isinstance(text, str):
        return False
    stripped = text.strip()
    return stripped.startswith(PREFIX) and stripped.endswith(SUFFIX) and len(stripped) > 3


def strip_expression(text: str) -> str:
    """Return the Python source inside `${...}`, or `text` itself (stripped) when not wrapped."""
    stripped = text.strip()
    if is_expression(stripped):
        return stripped[len(PREFIX) : -len(SUFFIX)].strip()
    return stripped


def is_mixed_template(text: Any) -> bool:
    """True for text that contains `${` without being one whole expression."""
    return isinstance(text, str) and PREFIX in text and not is_expression(text)


def parameter_value(text: str | None, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Evaluate a parameter: `${...}` in the sandbox, anything else as a literal string."""
    if text is None:
        return None
    if is_expression(text):
        return evaluate(strip_expression(text), variables, timeout)
    return text


def evaluate_condition(text: str, variables: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Evaluate a gateway condition (bare or `${}`-wrapped) to a bool."""
    return bool(evaluate(strip_expression(text), variables, timeout))


def check_parameter(text: str | None) -> str | None:
    """Return an error message if a parameter value would fail at run time, else None."""
    if text is None or not text.strip():
        return None
    if is_mixed_template(text):
        return (
            f"{text.strip()!r} mixes text and ${{...}}: write the whole value as one "
            'expression, e.g. ${"Lead " + record.title}'
        )
    if is_expression(text):
        return check_expression(text)
    return None


def check_expression(text: str | None) -> str | None:
    """Return an error message if an expression (bare or wrapped) does not compile, else None."""
    if text is None or not text.strip():
        return "the expression is empty"
    try:
        compile_expression(strip_expression(text))
    except SandboxError as exc:
        return exc.message
    return None
