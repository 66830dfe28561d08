"""Domain events through a transactional outbox, delivered at least once to consumers."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import (
    JSON,
    ColumnElement,
    Executable,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

import correlation
from crm.entities import REGISTRY, STATUS_FIELDS
from crm.event_types import Change, is_declared, record_event_type, state_change
from crm.outbox_hints import NOTHING_FOUND, Found, delivering, found_of, hint_checks
from crm.relay_path import fast_path
from crm.serialize import EMAILS_HINT, known_without_emails, shared_reads
from crm.stage_history import leave_stage, note_stage
from deferred_rows import defer_insert
from extensions import db
from org.actors import Actor, actor_user, event_depth, origin_instance_id
from org.models import utcnow
from transactions import DEPTH, enqueue_after_commit, kicks_run_here, run_kept_kicks, unit_of_work

log = logging.getLogger(__name__)


class OutboxEvent(db.Model):
    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int]
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None]
    origin_instance_id: Mapped[int | None]
    # How many process-triggered hops led here; the engine refuses chains too deep.
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The request (or job) that recorded the event: the worker's log lines carry it on.
    correlation_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "id"),)

    def to_dict(self) -> dict:
        return {
            "event_id": self.event_id, "type": self.type, "entity": self.entity,
            "entity_id": self.entity_id, "changes": self.changes, "actor_id": self.actor_id,
            "origin_instance_id": self.origin_instance_id, "depth": self.depth,
            "created_at": self.created_at.isoformat() + "Z",
        }


class OutboxDelivery(db.Model):
    """One row per (event, consumer): written in the consumer's own transaction."""

    __tablename__ = "outbox_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    consumer: Mapped[str] = mapped_column(String(64))
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "consumer", name="uq_outbox_delivery"),)


RELAY_TASK = "crm.relay_outbox"
Consumer = Callable[[OutboxEvent], None]


class Registered(NamedTuple):
    fn: Consumer
    types: frozenset[str] | None  # None: every type
    # A consumer with nothing to do unless this SQL condition holds is skipped when it does not;
    # the relay evaluates it in the statement that claims the event (no query of its own).
    idle_unless: ColumnElement[bool] | None = None


_consumers: dict[str, Registered] = {}


def register_consumer(name: str, fn: Consumer, *, types: Iterable[str] | None = None,
                      idle_unless: ColumnElement[bool] | None = None) -> None:
    """Register an idempotent consumer of the given event types (None: every type); it runs
    inside the relay's transaction, and not at all when `idle_unless` (an SQL condition, checked
    in that transaction) is false. Types must be in the catalogue (crm/event_types.py)."""
    wanted = None if types is None else frozenset(types)
    unknown = sorted(t for t in wanted or () if not is_declared(t))
    if unknown:
        raise ValueError(f"consumer {name!r} names undeclared event types: {', '.join(unknown)}")
    _consumers[name] = Registered(fn, wanted, idle_unless)


def unregister_consumer(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> dict[str, Consumer]:
    return {name: entry.fn for name, entry in _consumers.items()}


def consumers_of(type_: str) -> list[str]:
    """The names of the consumers that take events of `type_`, in registration order."""
    return [name for name, entry in _consumers.items() if entry.types is None or type_ in entry.types]


def record_event(
    type_: str, entity: str, entity_id: int, changes: dict | None, *, actor: Actor | None
) -> str:
    """Add an event row to the current transaction (sent with its next statement: nothing reads
    it back, deferred_rows); the caller commits. `type_` must be declared in the catalogue
    (crm/event_types.py). Returns the event's event_id."""
    if not is_declared(type_):
        raise ValueError(f"{type_!r} is not a declared event type (crm/event_types.py)")
    user = actor_user(actor) if actor is not None else None
    event_id = str(uuid.uuid4())
    defer_insert(OutboxEvent.__table__, {
        "event_id": event_id, "type": type_, "entity": entity, "entity_id": entity_id,
        "changes": changes or {}, "actor_id": user.id if user else None,
        "origin_instance_id": origin_instance_id(actor) if actor is not None else None,
        "depth": event_depth(actor) if actor is not None else 0,
        "correlation_id": correlation.current()})
    enqueue_after_commit(RELAY_TASK)  # the periodic sweep delivers what a lost kick missed
    return event_id


def record_change(entity: str, change: Change, entity_id: int, changes: dict | None, *,
                  actor: Actor | None) -> str:
    """Record `<entity>.<change>` (lead.created, task.deleted...) about one record; a new or
    changed lead status or deal stage also gets its stage_history row (the funnel's durations);
    a deleted record's open row is left now (its rows stay: the won-deals widget counts them)."""
    if change in (Change.CREATED, Change.UPDATED):
        note_stage(entity, entity_id, changes or {}, first=change == Change.CREATED)
    elif change == Change.DELETED and entity in STATUS_FIELDS:
        leave_stage(entity, entity_id, utcnow())
    return record_event(record_event_type(entity, change), entity, entity_id, changes, actor=actor)


def record_update(entity: str, entity_id: int, changes: dict, *, actor: Actor | None) -> None:
    """Record `<entity>.updated` and, when its status (a deal's stage) changed, also
    `<entity>.status_changed` (`deal.stage_changed`) with that change alone."""
    record_change(entity, Change.UPDATED, entity_id, changes, actor=actor)
    change, field = state_change(entity), REGISTRY[entity].status_field
    if change is not None and field in changes:
        record_change(entity, change, entity_id, {field: changes[field]}, actor=actor)


def pending_event_ids(limit: int = 100) -> list[int]:
    return list(db.session.scalars(_pending_query(limit)))


@cache  # the statement per limit, not its rows: built once (every relay asks)
def _pending_query(limit: int) -> Select:
    return (select(OutboxEvent.id).where(OutboxEvent.delivered_at.is_(None))
            .order_by(OutboxEvent.id).limit(limit))


def run_after_relay(task_name: str) -> None:
    """Let a relaying worker run the kicks of `task_name` its consumers commit (an engine step
    of the instance an event started) itself, right after the event, not through the broker."""
    _run_here.add(task_name)


_run_here: set[str] = set()


def relay_pending(limit: int = 100) -> int:
    """Deliver undelivered events; returns how many became fully delivered. Outside another unit
    of work, `OUTBOX_RELAY_BATCH` events at a time share one (`_relay_batch`); else each its own."""
    done = 0
    with kicks_run_here(frozenset(_run_here)):
        if _batch_size() > 1 and not _session_busy():
            from crm.relay_batch import relay_in_batches

            return relay_in_batches(limit, _batch_size())
        for event_id in pending_event_ids(limit):
            try:
                if deliver_event(event_id):
                    done += 1
            except Exception:
                # A database error (lock, lost connection) on one event rolled back only its own
                # unit of work; the sweep tries this one again.
                log.exception("relaying event %s failed", event_id)
            run_kept_kicks()
    return done


def _batch_size() -> int:
    return int(current_app.config.get("OUTBOX_RELAY_BATCH", 1)) if has_app_context() else 1


def _session_busy() -> bool:
    """Inside a caller's unit of work, or with its changes pending: those must not be rolled back."""
    session = db.session()
    return bool(session.info.get(DEPTH, 0) or session.new or session.dirty or session.deleted)


def deliver_claimed(row: OutboxEvent, found: Found, delivered: list[OutboxEvent] | None = None) -> bool:
    """A claimed event's consumers: on the fast path (one raising raises ConsumerFailed), or, for
    an event tried before (some consumers may be done: delivery rows), the careful path. On the
    fast path the event is marked delivered now, or appended to `delivered` for the caller's
    `mark_delivered` (one statement for a batch)."""
    if not found.hints.get(EMAILS_HINT, True):
        known_without_emails(row.entity, row.entity_id)  # each consumer would read none
    with delivering(row.id, found):
        if row.attempts:
            return _run_pending_consumers(row, found.idle, None)
        for name in consumers_of(row.type):
            if name not in found.idle:
                _run_fast(row, name)
        mark_delivered([row]) if delivered is None else delivered.append(row)
        return True


def mark_delivered(rows: list[OutboxEvent]) -> None:
    """Set claimed events' delivered_at by one UPDATE in the consumers' transaction, no flush."""
    now = utcnow()
    db.session.execute(_mark_statement(), {"ids": [row.id for row in rows], "now": now})
    for row in rows:
        set_committed_value(row, "delivered_at", now)


@cache  # the statement, not its rows: built once
def _mark_statement() -> Executable:
    table = OutboxEvent.__table__
    return (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
            .values(delivered_at=bindparam("now")))


class ConsumerFailed(Exception):
    """A consumer raised on the fast path: its event is redone on the careful path."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(name)
        self.name, self.error = name, error


def deliver_event(event_id: int) -> bool:
    """Run every consumer not yet done for one event; one unit of work.

    Fast path (an event never tried before, relayed outside another unit of work): every consumer
    in the one transaction, no savepoints, no delivery rows. If one raises, that unit of work is
    rolled back (with the kicks it queued) and the event is redone on the careful path."""
    session = db.session()
    if session.info.get(DEPTH, 0) or session.new or session.dirty or session.deleted:
        return _deliver_carefully(event_id, None)  # a caller's changes must not be rolled back
    try:
        with unit_of_work(), shared_reads():
            row, found = _claim(event_id)
            if row is None or row.delivered_at is not None:
                return False
            return deliver_claimed(row, found)
    except ConsumerFailed as failed:
        return _deliver_carefully(event_id, failed)


def _deliver_carefully(event_id: int, failed: ConsumerFailed | None) -> bool:
    with unit_of_work(), shared_reads():
        row, found = _claim(event_id)
        if row is None or row.delivered_at is not None:
            return False
        with delivering(row.id, found):
            return _run_pending_consumers(row, found.idle, failed)


def _run_pending_consumers(row: OutboxEvent, idle: frozenset[str], failed: ConsumerFailed | None) -> bool:
    """The careful path: each consumer not yet done in a savepoint, a delivery row for each that
    succeeds; the one that failed on the fast path just now is counted failed, not run twice."""
    # Read even with attempts == 0: an administrator's retry (ops.status) resets the count.
    done = set(db.session.scalars(
        select(OutboxDelivery.consumer).where(OutboxDelivery.event_id == row.id)))
    ok = True
    for name in consumers_of(row.type):
        if name in done or name in idle:
            continue
        if failed is not None and name == failed.name:
            _note_failure(row, name, failed.error)
            ok = False
        else:
            ok &= _run_consumer(row, name, _consumers[name].fn)
    if ok:
        row.delivered_at = utcnow()
    return ok


def _claim(event_id: int) -> tuple[OutboxEvent | None, Found]:
    """The event row, locked for this relay (None if another worker has it), with the consumers
    whose `idle_unless` condition is false now and the hints' values."""
    checks = _claim_checks()
    found = db.session.execute(_claim_query(db.engine.dialect.name, checks), {"claim_id": event_id}).first()
    if found is None:
        return None, NOTHING_FOUND
    return found[0], found_of(checks, found[1:])


def _claim_checks() -> tuple:
    """((kind, name), condition) of every idle check ("idle", consumer) and hint ("hint", name)."""
    idle = tuple((("idle", name), entry.idle_unless) for name, entry in _consumers.items()
                 if entry.idle_unless is not None)
    return idle + hint_checks()


def _same_checks(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x[0] == y[0] and x[1] is y[1] for x, y in zip(a, b, strict=True))


_claim_built: list = []  # [(dialect, checks, statement)]: built once, again only when the consumers change


def _claim_query(dialect: str, checks: tuple) -> Executable:
    """The claiming statement; building it each time cost about 0.3 ms per relayed event."""
    for built_dialect, built_checks, query in _claim_built:
        if built_dialect == dialect and _same_checks(built_checks, checks):
            return query
    extra = [condition.label(f"busy_{n}") for n, (_, condition) in enumerate(checks)]
    if dialect == "postgresql":
        query = (select(OutboxEvent, *extra).where(OutboxEvent.id == bindparam("claim_id"))
                 .with_for_update(skip_locked=True, of=OutboxEvent))  # another worker has it
    else:
        # SQLite: a no-op write takes the write lock first, so the consumers run inside one
        # transaction whose reads cannot go stale under another writer; it returns the row too.
        query = (update(OutboxEvent).where(OutboxEvent.id == bindparam("claim_id"))
                 .values(attempts=OutboxEvent.attempts).returning(OutboxEvent, *extra)
                 .execution_options(populate_existing=True))
    _claim_built[:] = [(dialect, checks, query)]
    return query


def _run_fast(row: OutboxEvent, name: str) -> None:
    event_id = row.event_id  # a failed flush leaves the row unreadable until the rollback
    token = correlation.set_current(row.correlation_id or correlation.current())
    try:
        with fast_path():
            _consumers[name].fn(row)
        db.session.flush()  # its writes fail here, under its name, not in the next consumer
    except Exception as exc:
        log.warning("consumer %s failed on event %s; redoing the event carefully", name, event_id,
                    exc_info=True)
        raise ConsumerFailed(name, exc) from exc
    finally:
        correlation.reset(token)


def _run_consumer(row: OutboxEvent, name: str, consumer: Consumer) -> bool:
    token = correlation.set_current(row.correlation_id or correlation.current())
    try:
        with db.session.begin_nested():
            consumer(row)
            db.session.add(OutboxDelivery(event_id=row.id, consumer=name))
        return True
    except Exception as exc:
        log.exception("consumer %s failed on event %s", name, row.event_id)
        _note_failure(row, name, exc)
        return False
    finally:
        correlation.reset(token)


def _note_failure(row: OutboxEvent, name: str, exc: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{name}: {exc}"[:2000]
