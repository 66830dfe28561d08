"""The catalogue of domain events: every type an outbox event may have, declared once.

A record event's type is `<entity>.<change>` for each entity of the registry
(`lead.created`, `task.deleted`, `lead.converted`); a mail event (`email.received`,
`email.sent`) is about a record of any type. Services name their events through
`record_event_type` and the enums here, `record_event` refuses a type the catalogue does not
declare, and each outbox consumer says which types it takes (crm/events.py);
tests/unit/crm/test_event_catalogue.py lists every type with its consumers.
"""
from __future__ import annotations

from enum import StrEnum

from crm.entities import REGISTRY


class Change(StrEnum):
    """What happened to a record: the part of its event type after the entity."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    COMMENTED = "commented"
    CONVERTED = "converted"
    STATUS_CHANGED = "status_changed"  # besides `updated`, when the status column changed
    STAGE_CHANGED = "stage_changed"  # the same for a deal's stage


# Recorded besides `updated` (which carries the same change): consumers that index or copy
# records need only `updated`.
STATE_CHANGES = (Change.STATUS_CHANGED, Change.STAGE_CHANGED)

# Names a process can wait for that mean "this change, to the instance's record, whatever
# its entity": `record.deleted` catches lead.deleted as well as deal.deleted.
GENERIC_ENTITY = "record"
GENERIC_CHANGES = (Change.UPDATED, Change.DELETED)


class MailEvent(StrEnum):
    """Mail logged on a record (the record's entity is the event's entity)."""

    RECEIVED = "email.received"
    SENT = "email.sent"


# Types declared by packages above crm (calendars: event.created...), through declare_types.
_extra: dict[str, bool] = {}

# Changes only some entities have; every other change happens to every entity.
ONLY_FOR: dict[Change, tuple[str, ...]] = {
    Change.CONVERTED: ("lead",),
    Change.STATUS_CHANGED: tuple(n for n, e in REGISTRY.items() if e.status_field == "status"),
    Change.STAGE_CHANGED: tuple(n for n, e in REGISTRY.items() if e.status_field == "stage"),
}
# The changes a process can start on or wait for (with the mail events).
TRIGGER_CHANGES = (Change.CREATED, Change.UPDATED, Change.CONVERTED, Change.STATUS_CHANGED,
                   Change.STAGE_CHANGED)


def record_event_type(entity: str, change: Change) -> str:
    """ "lead" + Change.CREATED -> "lead.created"; a type the catalogue lacks is a ValueError."""
    name = f"{entity}.{Change(change)}"
    if not is_declared(name):
        raise ValueError(f"{name!r} is not a declared event type (crm/event_types.py)")
    return name


def _changes_of(entity: str) -> list[Change]:
    return [c for c in Change if entity in ONLY_FOR.get(c, (entity,))]


def declare_types(types: tuple[str, ...], *, trigger: bool = False) -> None:
    """Declare event types of a package crm cannot import (calendars); `trigger`: processes may
    start on them. Call at import time, before the consumers register (app start)."""
    for name in types:
        _extra[name] = trigger
    _cache.clear()


def event_types() -> tuple[str, ...]:
    """Every declared type: each entity's changes, the mail events, then declared extras."""
    return (tuple(f"{e}.{c}" for e in REGISTRY for c in _changes_of(e)) + tuple(MailEvent)
            + tuple(_extra))


def record_change_types(changes: tuple[Change, ...] = tuple(Change)) -> frozenset[str]:
    """The record event types of the given changes, for every entity that has them."""
    return frozenset(f"{e}.{c}" for e in REGISTRY for c in _changes_of(e) if c in changes)


def state_change(entity: str) -> Change | None:
    """The change recorded besides `updated` when the entity's status (or stage) changed."""
    for change in STATE_CHANGES:
        if entity in ONLY_FOR[change]:
            return change
    return None


def waitable_types() -> frozenset[str]:
    """The event types a waiting instance may catch: every record change, mail logged, declared
    extras marked as triggers."""
    extra = frozenset(name for name, trigger in _extra.items() if trigger)
    return record_change_types() | frozenset(MailEvent) | extra


def wait_types() -> frozenset[str]:
    """The message names of those waits: the types and the generic `record.<change>` names."""
    return waitable_types() | frozenset(f"{GENERIC_ENTITY}.{c}" for c in GENERIC_CHANGES)


def wait_names(type_: str) -> tuple[str, ...]:
    """The message names an event of this type is delivered under: `lead.deleted` is also
    `record.deleted`."""
    _entity, _, change = type_.partition(".")
    if change in GENERIC_CHANGES:
        return (type_, f"{GENERIC_ENTITY}.{change}")
    return (type_,)


def is_declared(type_: str) -> bool:
    """Whether `type_` is in the catalogue."""
    return type_ in _declared()


def trigger_types() -> frozenset[str]:
    """The types a process may start on: records created, changed or converted, mail logged,
    declared extras marked as triggers."""
    extra = frozenset(name for name, trigger in _extra.items() if trigger)
    return record_change_types(TRIGGER_CHANGES) | frozenset(MailEvent) | extra


def is_trigger_type(type_: str) -> bool:
    """Whether a process may start on (or wait for) events of this type."""
    return type_ in trigger_types()


_cache: dict[str, frozenset[str]] = {}


def _declared() -> frozenset[str]:
    if "all" not in _cache:
        _cache["all"] = frozenset(event_types())
    return _cache["all"]
