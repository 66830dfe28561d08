"""The JUEL error: a SandboxError (so every caller's existing `except` catches it) with a position."""

from __future__ import annotations

from engine.spiff.sandbox import SandboxError


class JuelError(SandboxError):
    """An expression failed to parse (with its 1-based column) or to evaluate."""

    def __init__(self, message: str, column: int | None = None) -> None:
        text = f"{message} (at column {column})" if column is not None else message
        super().__init__(text)
        self.column = column


def java_type(value: object) -> str:
    """The Java type name Camunda would report for a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, dict):
        return "Map"
    if isinstance(value, (list, tuple)):
        return "List"
    return type(value).__name__
