"""Whether an outbox consumer runs on the relay's fast path (crm.events): there anything it
raises rolls the event's transaction back and redoes the event on the careful path, one
savepoint per consumer, so a consumer may do more on the fast path (the engine runs a started
instance's first step in the relay's transaction: engine.runtime.run_started)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_FAST: ContextVar[bool] = ContextVar("relay_fast_path", default=False)


@contextmanager
def fast_path() -> Iterator[None]:
    """Mark what runs inside as on the fast path."""
    token = _FAST.set(True)
    try:
        yield
    finally:
        _FAST.reset(token)


def on_fast_path() -> bool:
    """Whether the running consumer is on the fast path (a failure is redone carefully)."""
    return _FAST.get()
