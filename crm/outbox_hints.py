"""Hints for the outbox relay's consumers: SQL conditions about an event, evaluated in the
statement that claims it (no query of their own), so a consumer skips a read that would find
nothing (a new record has no message waits and no comments)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnClause

_hints: dict[str, ColumnElement[bool]] = {}
_values: dict[str, ColumnElement] = {}


def register_hint(name: str, condition: ColumnElement[bool]) -> None:
    """Evaluate `condition` (a correlated subquery over `claimed_column`s) whenever an event is
    claimed; consumers read it with `claim_hint`."""
    _hints[name] = condition


def register_value(name: str, expression: ColumnElement) -> None:
    """Return `expression` (a scalar subquery) with every claimed event; consumers read it with
    `claim_value` (a generation that tells whether what they cached is still current)."""
    _values[name] = expression


def hint_checks() -> tuple:
    """(("hint", name), condition) of every hint, then (("value", name), expression) of every
    value, in registration order."""
    return (tuple((("hint", name), condition) for name, condition in _hints.items())
            + tuple((("value", name), expression) for name, expression in _values.items()))


class Found(NamedTuple):
    """What the claiming statement found besides the event: idle consumers, hints by name."""

    idle: frozenset[str]
    hints: dict[str, bool]
    values: dict[str, object] = {}  # read only: shared by every Found without values


NOTHING_FOUND = Found(frozenset(), {})


def found_of(checks: tuple, values: Iterable[object]) -> Found:
    """The claim's extra columns, in the order of `checks` (("idle", consumer), ("hint", name) or
    ("value", name))."""
    idle, hints, found = set(), {}, {}
    for ((kind, name), _), value in zip(checks, values, strict=True):
        if kind == "hint":
            hints[name] = bool(value)
        elif kind == "value":
            found[name] = value
        elif not value:
            idle.add(name)
    return Found(frozenset(idle), hints, found)


_DELIVERING: ContextVar[tuple[int, Found] | None] = ContextVar("claim_hints", default=None)


@contextmanager
def delivering(event_id: int, found: Found) -> Iterator[None]:
    """The consumers of claimed event `event_id` run in this block, in the claim's transaction."""
    token = _DELIVERING.set((event_id, found))
    try:
        yield
    finally:
        _DELIVERING.reset(token)


def claim_hint(event: object, name: str) -> bool:
    """False only when the relay's claim of this event found hint `name` false (nothing there);
    True when it held, or outside the relay's delivery of this event (not known: look)."""
    current = _DELIVERING.get()
    if current is None or current[0] != getattr(event, "id", None):
        return True
    return current[1].hints.get(name, True)


def claim_value(event: object, name: str) -> object | None:
    """Value `name` as the relay's claim of this event returned it; None outside the relay's
    delivery of this event (not known)."""
    current = _DELIVERING.get()
    if current is None or current[0] != getattr(event, "id", None):
        return None
    return current[1].values.get(name)


class _Claimed(ColumnClause):
    """`outbox_event.<name>` written out: SQLite's RETURNING prints columns bare, which a subquery
    would read as its own; there, as `+outbox_event.<name>`, without which SQLite's planner (3.40)
    scans the subquery's table instead of using its index."""

    inherit_cache = True


@compiles(_Claimed)
def _claimed(element: _Claimed, compiler: object, **_: object) -> str:
    return f"outbox_event.{element.name}"


@compiles(_Claimed, "sqlite")
def _claimed_sqlite(element: _Claimed, compiler: object, **_: object) -> str:
    return f"+outbox_event.{element.name}"


def claimed_column(name: str) -> ColumnElement:
    """A column of the event being claimed, for a hint's condition."""
    from crm.events import OutboxEvent

    return _Claimed(name, type_=OutboxEvent.__table__.c[name].type)
