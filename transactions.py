"""One unit of work per caller, and the one registry of work that follows a commit.

Services change rows and never commit. Their caller (a request, a CLI command, a Celery
task, one engine step) opens `unit_of_work()`, which commits once on success and rolls back
on an exception; a unit of work opened inside another joins it.

`after_commit(fn, *args, key=...)` queues `fn(*args)` for when the outermost transaction
commits. SQLAlchemy's own `after_commit` event also fires when a savepoint is released
(every outbox consumer runs in one), so the listener below skips savepoints: a worker
must never be told about rows it cannot see yet. A rollback of the outermost transaction
drops the queue. Callbacks are kicks of idempotent work that the periodic sweeps also find
in the database, so a failing one is logged and the sweep retries it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

import kick_latch
from extensions import db

log = logging.getLogger(__name__)
PENDING = "after_commit"  # session.info: {key: (fn, args)} in registration order
DEPTH = "unit_of_work_depth"
# Inside `kicks_run_here(names)`: the named tasks' kicks, once committed, wait here for this
# process to run them (`run_kept_kicks`) instead of a round trip through the broker.
Kept = tuple[frozenset[str], list[tuple[str, tuple]]]
_KEPT: ContextVar[Kept | None] = ContextVar("kept_kicks", default=None)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit once when the block succeeds, roll back if it raises; nested blocks join."""
    open_unit_of_work()
    try:
        yield db.session()
    except BaseException:
        close_unit_of_work(commit=False)
        raise
    close_unit_of_work(commit=True)


def open_unit_of_work() -> None:
    """Enter a unit of work that `close_unit_of_work` ends (a request's spans Flask's hooks)."""
    session = db.session()
    session.info[DEPTH] = session.info.get(DEPTH, 0) + 1


def close_unit_of_work(*, commit: bool) -> None:
    """Leave a unit of work; the outermost commits (or rolls back), an inner one only leaves."""
    session = db.session()
    depth = session.info.get(DEPTH, 0)
    if depth <= 0:
        return
    session.info[DEPTH] = depth - 1
    if depth > 1:
        return
    if not commit:
        session.rollback()
        return
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


def after_commit(fn: Callable[..., object], *args: Hashable, key: Hashable | None = None) -> None:
    """Run `fn(*args)` once the outermost transaction commits; the same key queues once."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the callback belongs to a transaction: a rollback drops it
    pending = session.info.setdefault(PENDING, {})
    pending.setdefault((fn, args) if key is None else key, (fn, args))


def _kicks_enabled() -> bool:
    """Whether after-commit kicks go to Celery ("celery"); tests ("none") run the tasks themselves."""
    return has_app_context() and current_app.config.get("OUTBOX_KICK") == "celery"


def _send_task(name: str, *args: Hashable) -> None:
    if _kicks_enabled():
        kept = _KEPT.get()
        if kept is not None and name in kept[0]:
            kept[1].append((name, args))
            return
        if _coalesced(name, args) or not kick_latch.claim(name, args):
            return
        try:
            current_app.extensions["celery"].send_task(name, args=list(args), retry=False)
        except Exception:
            _forget_queued(name)
            kick_latch.release(name)
            raise


# Kicks that coalesce (`coalesce_kicks`): a task without arguments that reads everything committed
# when it starts (the outbox relay), in a process whose own worker runs it (python app.py). While
# one is queued and not started, another adds nothing. While one runs, a kick is owed and sent when
# it ends: one relay at a time, as SQLite has one writer anyway (concurrent relays only claimed the
# same events in turn). A queued kick older than COALESCE_SECONDS or COALESCE_MAX kicks later, or a
# run longer than RUNNING_SECONDS (a busy or foreign worker), gets a kick sent anyway; the periodic
# sweeps remain the guarantee.
COALESCE_SECONDS = 1.0
COALESCE_MAX = 50
RUNNING_SECONDS = 5.0
_coalescing: frozenset[str] = frozenset()
_queued: dict[str, list] = {}  # name -> [monotonic time sent, kicks coalesced into it]
_running: dict[str, list[float]] = {}  # name -> start times of the runs in this process
_owed: set[str] = set()  # names whose kick waits for the running task to end
_queued_lock = threading.Lock()


def coalesce_kicks(names: frozenset[str]) -> None:
    """Coalesce the kicks of the argument-less tasks `names` from now on (empty: stop)."""
    global _coalescing
    from celery.signals import task_postrun, task_prerun

    with _queued_lock:
        _coalescing = frozenset(names)
        _queued.clear()
        _running.clear()
        _owed.clear()
    task_prerun.connect(_kick_started, weak=False, dispatch_uid="flowdesk-coalesced-kick")
    task_postrun.connect(_kick_ended, weak=False, dispatch_uid="flowdesk-coalesced-kick-end")


def _kick_started(task: object = None, **_kwargs: object) -> None:
    """The queued task starts: what commits from now on needs a kick of its own."""
    name = getattr(task, "name", None)
    if name in _coalescing:
        with _queued_lock:
            _queued.pop(name, None)
            _running.setdefault(name, []).append(time.monotonic())


def _kick_ended(task: object = None, **_kwargs: object) -> None:
    """The task ended: send the kick owed to what committed while it ran."""
    name = getattr(task, "name", None)
    if name not in _coalescing:
        return
    with _queued_lock:
        runs = _running.get(name) or [0.0]
        runs.pop(0)
        send = name in _owed and not runs and name not in _queued  # a queued one covers it
        if name in _owed and not runs:
            _owed.discard(name)
        if send:
            _queued[name] = [time.monotonic(), 0]
    if send:
        try:
            task.app.send_task(name, args=[], retry=False)
        except Exception:  # the sweep relays what this kick would have
            _forget_queued(name)
            log.exception("owed kick %s failed", name)


def _coalesced(name: str, args: tuple) -> bool:
    """Whether a queued or running task already covers this kick; if not, it is noted as queued
    (before it is sent: the worker may start it before send_task returns)."""
    if args or name not in _coalescing:
        return False
    now = time.monotonic()
    with _queued_lock:
        queued, runs = _queued.get(name), _running.get(name)
        if queued is not None and now - queued[0] <= COALESCE_SECONDS and queued[1] < COALESCE_MAX:
            queued[1] += 1
            return True
        if queued is None and runs and now - runs[-1] <= RUNNING_SECONDS:
            _owed.add(name)
            return True
        _queued[name] = [now, 0]
        return False


def _forget_queued(name: str) -> None:
    with _queued_lock:
        _queued.pop(name, None)


@contextmanager
def kicks_run_here(names: frozenset[str]) -> Iterator[None]:
    """Keep the committed kicks of the tasks `names` for `run_kept_kicks` in this process (a
    worker relaying events runs the steps it started itself: no broker round trip); any still
    kept when the block ends go to the broker."""
    token = _KEPT.set((names, []))
    try:
        yield
    finally:
        left = _KEPT.get()[1]
        _KEPT.reset(token)
        for name, args in left:
            _send_task(name, *args)


def run_kept_kicks() -> int:
    """Run the kicks kept by `kicks_run_here` (each a committed, idempotent task); one that fails
    goes to the broker, whose retries and the periodic sweeps handle it as any other kick."""
    kept = _KEPT.get()
    ran = 0
    while kept is not None and kept[1]:
        name, args = kept[1].pop(0)
        ran += _run_here(name, args)
    return ran


def _run_here(name: str, args: tuple) -> int:
    """Run one kept task as a worker would (job log line and duration sample); 1 if it succeeded."""
    from logs import job_done

    token = _KEPT.set(None)  # what the task kicks goes to the broker, as from any worker
    started, state = time.perf_counter(), "SUCCESS"
    try:
        current_app.extensions["celery"].tasks[name].run(*args)  # a transient error raises here
    except Exception:
        state = "FAILURE"
        log.warning("running %s%r here failed; sent to the broker", name, args, exc_info=True)
        _send_task(name, *args)
    finally:
        _KEPT.reset(token)
        job_done(name, "inline", state, (time.perf_counter() - started) * 1000)
    return int(state == "SUCCESS")


def kick(task_name: str) -> None:
    """Send the argument-less task `task_name` now, coalesced as a kick after a commit is."""
    _send_task(task_name)


def enqueue_after_commit(task_name: str, *args: Hashable) -> None:
    """Send the Celery task `task_name(*args)` once the outermost transaction commits."""
    after_commit(_send_task, task_name, *args, key=("celery", task_name, args))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the outer transaction has not committed yet
    for fn, args in session.info.pop(PENDING, {}).values():
        try:
            fn(*args)
        except Exception:  # the periodic sweeps find the work in the database
            log.exception("after-commit %s%r failed", getattr(fn, "__name__", fn), args)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended: committed (queue ran) or rolled back
        session.info.pop(PENDING, None)
