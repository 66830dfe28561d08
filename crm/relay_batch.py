"""The outbox relay's batches (`crm.events.relay_pending` with a backlog): one unit of work claims
several pending events in one statement and delivers them all on the fast path; if anything in it
raises, it is rolled back and each event is redone on its own, as `deliver_event` does one."""
from __future__ import annotations

import logging

from sqlalchemy import Executable, bindparam, select, update

from crm.events import (
    RELAY_TASK,
    ConsumerFailed,
    OutboxEvent,
    _claim_checks,
    _deliver_carefully,
    _same_checks,
    deliver_claimed,
    deliver_event,
    mark_delivered,
    pending_event_ids,
)
from crm.outbox_hints import Found, found_of
from crm.serialize import shared_reads
from extensions import db
from transactions import kick, run_kept_kicks, unit_of_work

log = logging.getLogger("crm.events")


def relay_in_batches(limit: int, size: int) -> int:
    """Claim and deliver batches until fewer than `size` were left to claim; the steps of the
    instances a batch started run after its commit, each in its own unit of work."""
    if db.engine.dialect.name != "postgresql" and not pending_event_ids(1):
        # Most relays find nothing (a sweep, a kick whose event another relay took): on SQLite one
        # cheap read, as before batches, instead of the claim (an ORM UPDATE ... RETURNING there
        # builds its cache key on every run: 0.15 ms an empty relay with the read, 0.6-0.8 with
        # the claim). PostgreSQL's claim is a SELECT ... FOR UPDATE SKIP LOCKED, as cheap when it
        # finds nothing; there the read would cost a relay that finds work a statement more.
        return 0
    done, after, left = 0, 0, limit
    while left > 0:
        claimed, delivered = _relay_batch(after, min(size, left))
        done += delivered
        run_kept_kicks()
        if len(claimed) < min(size, left):
            break  # nothing more was pending (what commits later is kicked on its own)
        if after == 0 and db.engine.dialect.name == "postgresql":
            # A backlog: another relay may join (its claim skips what this one holds; SQLite has
            # one writer). The kicks of the backlog's commits were coalesced (kick_latch.py):
            # without this one, one worker process would drain it while the others idle.
            kick(RELAY_TASK)
        after, left = claimed[-1], left - len(claimed)
    return done


def _relay_batch(after: int, size: int) -> tuple[list[int], int]:
    """(claimed ids, how many delivered): up to `size` pending events past id `after`, those another
    relay holds skipped, delivered in one unit of work. If anything raises (a consumer, the
    database), that unit of work is rolled back with the kicks it queued and each claimed event
    is redone on its own (`deliver_event`); the one whose consumer raised goes the careful path
    at once, that consumer counted failed without running again (as on the one-event fast path)."""
    claimed: list[int] = []
    failed: tuple[int, ConsumerFailed] | None = None
    try:
        with unit_of_work():
            rows = _claim_batch(after, size)
            claimed[:] = [row.id for row, _ in rows]
            delivered, marked = 0, []
            for row, found in rows:
                event_id = row.id  # a failed flush leaves the row unreadable until the rollback
                try:
                    delivered += _deliver_claimed(row, found, marked)
                except ConsumerFailed as exc:
                    failed = (event_id, exc)
                    raise
            if marked:
                mark_delivered(marked)  # the batch's fast-path events, in one statement
        return claimed, delivered
    except Exception:
        if not claimed:  # the claim itself failed (the database): the sweep comes back
            log.exception("claiming a batch of events failed")
            return [], 0
        log.warning("a batch of %d events failed; redoing them one by one", len(claimed),
                    exc_info=failed is None)
    return claimed, _one_by_one(claimed, failed)


def _one_by_one(claimed: list[int], failed: tuple[int, ConsumerFailed] | None) -> int:
    delivered = 0
    for event_id in claimed:
        try:
            if failed is not None and failed[0] == event_id:
                delivered += _deliver_carefully(event_id, failed[1])
            else:
                delivered += deliver_event(event_id)
        except Exception:
            log.exception("relaying event %s failed", event_id)
        run_kept_kicks()
    return delivered


def _deliver_claimed(row: OutboxEvent, found: Found, marked: list[OutboxEvent]) -> bool:
    """One claimed event of a batch: every consumer on the fast path (one raising fails the batch;
    the event joins `marked`); an event tried before goes the careful path, in savepoints, as alone."""
    with shared_reads():  # per event: a consumer's change to a record is read afresh by the next event
        return deliver_claimed(row, found, marked)


def _claim_batch(after: int, size: int) -> list[tuple[OutboxEvent, Found]]:
    """Up to `size` pending events past id `after`, locked for this relay (PostgreSQL skips those
    another relay holds), in id order, each with its idle consumers and hints."""
    checks = _claim_checks()
    query = _batch_query(db.engine.dialect.name, checks)
    found = db.session.execute(query, {"after": after, "size": size}).all()
    # SQLite's RETURNING has no order
    return [(row, found_of(checks, extra)) for row, *extra in sorted(found, key=lambda f: f[0].id)]


_batch_built: list = []  # [(dialect, checks, statement)], as _claim_built


def _batch_query(dialect: str, checks: tuple) -> Executable:
    """The statement claiming a batch (one statement for the whole batch, built once)."""
    for built_dialect, built_checks, query in _batch_built:
        if built_dialect == dialect and _same_checks(built_checks, checks):
            return query
    extra = [condition.label(f"busy_{n}") for n, (_, condition) in enumerate(checks)]
    pending = select(OutboxEvent.id).where(
        OutboxEvent.delivered_at.is_(None), OutboxEvent.id > bindparam("after")
    ).order_by(OutboxEvent.id).limit(bindparam("size"))
    if dialect == "postgresql":
        query = (pending.with_only_columns(OutboxEvent, *extra)
                 .with_for_update(skip_locked=True, of=OutboxEvent))
    else:  # SQLite: the no-op write takes the write lock first, as `_claim_query`
        inner = pending.subquery()
        query = (update(OutboxEvent).where(OutboxEvent.id.in_(select(inner.c.id)))
                 .values(attempts=OutboxEvent.attempts).returning(OutboxEvent, *extra)
                 .execution_options(populate_existing=True))
    _batch_built[:] = [(dialect, checks, query)]
    return query
