"""The correlation id of the work in hand: one request, and everything that follows from it.

A request takes the caller's `X-Request-ID` (or makes one); the outbox event it records keeps
the id; the worker that delivers the event, and every Celery task published meanwhile
(a message header), carries it on. Log lines show it (logs.py), so one grep follows a lead
from the POST that created it to the process step that answered.
"""
from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_current: ContextVar[str | None] = ContextVar("flowdesk_correlation_id", default=None)
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # what a proxy may hand us and a log may hold


def new_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex[:16]


def accept(value: str | None) -> str:
    """The caller's id if it is safe to log and store, otherwise a new one."""
    return value if value and _SAFE.match(value) else new_id()


def current() -> str | None:
    """The correlation id of the work in hand, if any."""
    return _current.get()


def set_current(value: str | None) -> object:
    """Make `value` current; returns a token for reset()."""
    return _current.set(value)


def reset(token: object) -> None:
    """Restore the id that was current before set_current()."""
    _current.reset(token)  # type: ignore[arg-type]
