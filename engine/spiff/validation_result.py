"""What upload validation answers: the problems found and what deploying the process needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MessageStart(tuple):
    """`(element_id, message_name)`, also readable as attributes, with the event's camunda properties."""

    element_id: str
    message: str
    properties: dict[str, str]

    def __new__(cls, element_id: str, message: str, properties: dict[str, str] | None = None) -> MessageStart:
        """Build the pair and keep the attributes (`vars(start)` works too)."""
        self = super().__new__(cls, (element_id, message))
        self.element_id, self.message, self.properties = element_id, message, dict(properties or {})
        return self


@dataclass
class ValidationResult:
    """Every problem found, plus what deploying the process needs."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    process_id: str | None = None
    name: str | None = None
    message_starts: list[MessageStart] = field(default_factory=list)
    message_catches: list[tuple[str, str]] = field(default_factory=list)
    called_processes: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    spec_blob: str | None = None
    other_processes: list[str] = field(default_factory=list)
    other_starts: dict[str, list[MessageStart]] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the document can be deployed."""
        return not self.errors
