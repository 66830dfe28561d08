"""The unit of work and the after-commit registry (transactions.py), on the test database."""
from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import func, select

from crm.events import OutboxEvent
from extensions import db
from transactions import after_commit, unit_of_work


def _row() -> OutboxEvent:
    row = OutboxEvent(event_id=str(uuid.uuid4()), type="t.created", entity="t", entity_id=1)
    db.session.add(row)
    return row


def _committed() -> int:
    """Rows another connection sees: only what has really been committed."""
    with db.engine.connect() as other:
        return other.scalar(select(func.count(OutboxEvent.id)))


@pytest.fixture
def calls(app):
    seen: list[tuple] = []

    def record(*args: object) -> None:
        seen.append((*args, _committed()))

    record.seen = seen
    return record


def test_runs_only_after_the_real_commit(calls):
    with unit_of_work():
        _row()
        after_commit(calls, "a")
        db.session.flush()
        assert calls.seen == []
    assert calls.seen == [("a", 1)]  # and the row was visible to others by then


def test_not_after_a_savepoint_is_released(calls):
    with unit_of_work():
        with db.session.begin_nested():
            _row()
            after_commit(calls, "inner")
        assert calls.seen == []  # the savepoint's release is not the commit
        with db.session.begin_nested():
            after_commit(calls, "second")
        assert calls.seen == []
    assert calls.seen == [("inner", 1), ("second", 1)]


def test_a_savepoint_rollback_keeps_what_the_outer_transaction_queued(calls):
    with unit_of_work():
        _row()
        after_commit(calls, "outer")
        with pytest.raises(RuntimeError), db.session.begin_nested():
            raise RuntimeError("a consumer failed")
    assert calls.seen == [("outer", 1)]


def test_not_after_a_rollback(calls):
    with pytest.raises(RuntimeError), unit_of_work():
        _row()
        after_commit(calls, "lost")
        raise RuntimeError("boom")
    with unit_of_work():
        _row()
    after_commit(calls, "queued before nothing")
    db.session.rollback()
    db.session.commit()
    assert calls.seen == [] and _committed() == 1


def test_nested_units_of_work_join_the_outer_one(calls):
    with unit_of_work():
        with unit_of_work():
            _row()
            after_commit(calls, "inner")
        assert calls.seen == [] and _committed() == 0  # the inner block did not commit
    assert calls.seen == [("inner", 1)]


def test_an_exception_in_a_nested_unit_rolls_back_everything(calls):
    with pytest.raises(RuntimeError), unit_of_work():
        _row()
        with unit_of_work():
            _row()
            raise RuntimeError("boom")
    assert _committed() == 0 and calls.seen == []


def test_deduplicated_by_key(calls):
    with unit_of_work():
        after_commit(calls, "x", key="kick")
        after_commit(calls, "y", key="kick")
        after_commit(calls, "z")
        after_commit(calls, "z")  # no key: the function and its arguments are the key
    assert calls.seen == [("x", 0), ("z", 0)]


def test_a_failing_callback_is_logged_and_does_not_break_the_commit(calls, caplog):
    def broken() -> None:
        raise ConnectionError("broker down")

    with caplog.at_level(logging.ERROR, logger="transactions"), unit_of_work():
        _row()
        after_commit(broken)
        after_commit(calls, "after")
    assert _committed() == 1 and calls.seen == [("after", 1)]
    assert "broken" in caplog.text and "broker down" in caplog.text


def test_kicks_through_the_registry_wait_for_the_real_commit(app, monkeypatch):
    """The outbox relay kick and the engine's run kick are after-commit callbacks too."""
    import transactions
    from crm.events import record_event
    from engine.runtime import schedule_run

    sent: list[tuple] = []
    monkeypatch.setattr(transactions, "_send_task", lambda name, *a: sent.append((name, *a)))
    with unit_of_work():
        with db.session.begin_nested():
            record_event("lead.created", "lead", 1, {}, actor=None)
            schedule_run(7)
            schedule_run(7)
        assert sent == []
    assert sent == [("crm.relay_outbox",), ("engine.run_instance", 7)]


class _FakeCelery:
    """send_task records; tasks[name].run runs the given functions."""

    def __init__(self, **tasks: object) -> None:
        self.sent: list[tuple] = []
        self.tasks = {name: type("T", (), {"run": staticmethod(fn)}) for name, fn in tasks.items()}

    def send_task(self, name: str, args: list, retry: bool) -> None:
        self.sent.append((name, *args))


def test_kept_kicks_run_here_after_commit_the_others_go_to_the_broker(app, monkeypatch, caplog):
    """A relaying worker runs the steps its events started itself (no broker round trip), with
    the job log line and duration sample a worker gives every task."""
    from transactions import enqueue_after_commit, kicks_run_here, run_kept_kicks

    caplog.set_level(logging.INFO, logger="flowdesk.job")
    ran: list[tuple] = []
    fake = _FakeCelery(step=lambda n: ran.append(("step", n, _committed())))
    monkeypatch.setitem(app.extensions, "celery", fake)
    monkeypatch.setitem(app.config, "OUTBOX_KICK", "celery")
    with kicks_run_here(frozenset({"step"})):
        with unit_of_work():
            _row()
            enqueue_after_commit("step", 1)
            enqueue_after_commit("other", 2)
        assert ran == [] and fake.sent == [("other", 2)]
        assert run_kept_kicks() == 1
        assert ran == [("step", 1, 1)]  # after the commit: the row was visible
        assert "job step inline SUCCESS" in caplog.text
        with unit_of_work():
            enqueue_after_commit("step", 3)  # never run here: the block's end sends it
    assert fake.sent == [("other", 2), ("step", 3)] and ran == [("step", 1, 1)]


def test_a_kept_kick_that_fails_here_goes_to_the_broker(app, monkeypatch):
    from transactions import enqueue_after_commit, kicks_run_here, run_kept_kicks

    def broken(n: int) -> None:
        raise RuntimeError("database busy")

    fake = _FakeCelery(step=broken)
    monkeypatch.setitem(app.extensions, "celery", fake)
    monkeypatch.setitem(app.config, "OUTBOX_KICK", "celery")
    with kicks_run_here(frozenset({"step"})):
        with unit_of_work():
            enqueue_after_commit("step", 5)
        assert run_kept_kicks() == 0
    assert fake.sent == [("step", 5)]


def test_coalesced_kicks_one_while_queued_another_once_it_started(app, monkeypatch):
    """The embedded worker's relay kicks: a queued, not yet started relay reads every event
    committed before it starts, so later commits add no kick until it starts; one committed
    while it runs is sent when it ends."""
    from celery.signals import task_postrun, task_prerun

    from transactions import coalesce_kicks, enqueue_after_commit

    fake = _FakeCelery()
    monkeypatch.setitem(app.extensions, "celery", fake)
    monkeypatch.setitem(app.config, "OUTBOX_KICK", "celery")
    coalesce_kicks(frozenset({"relay"}))
    try:
        for n in range(3):
            with unit_of_work():
                enqueue_after_commit("relay")
                enqueue_after_commit("step", n)  # kicks with arguments never coalesce
        assert fake.sent == [("relay",), ("step", 0), ("step", 1), ("step", 2)]
        relay = type("T", (), {"name": "relay", "app": fake})()
        task_prerun.send(sender=None, task_id="1", task=relay)
        with unit_of_work():
            enqueue_after_commit("relay")  # committed after the running relay listed the events
        assert len(fake.sent) == 4  # owed: one relay at a time
        task_postrun.send(sender=None, task_id="1", task=relay)
        assert fake.sent[-1] == ("relay",) and len(fake.sent) == 5
        task_prerun.send(sender=None, task_id="2", task=relay)
        task_postrun.send(sender=None, task_id="2", task=relay)
        assert len(fake.sent) == 5  # nothing owed
    finally:
        coalesce_kicks(frozenset())
    with unit_of_work():
        enqueue_after_commit("relay")
    assert len(fake.sent) == 6  # not coalescing any more
