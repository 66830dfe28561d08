"""Helpers of the validation tests: the problems of an upload as (element, message) pairs."""
from __future__ import annotations

from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import validate_bpmn
from tests.unit.engine.spiff_diagrams import document


def problems(xml: bytes, topics: dict | None = None, **kwargs: object) -> list[tuple[str | None, str]]:
    """(element, message) pairs of a validation."""
    result = validate_bpmn(xml, STANDARD_TOPICS if topics is None else topics, **kwargs)
    return [(error["element"], error["message"]) for error in result.errors]


def has(found: list[tuple[str | None, str]], element: str | None, text: str) -> bool:
    """Whether a problem on `element` mentions `text`."""
    return any(e == element and text in message for e, message in found)


def simple(*body: str, extra: str = "") -> bytes:
    """A document with a none start, the body and an end, chained in order of ids given."""
    return document("\n".join(body), extra=extra)
