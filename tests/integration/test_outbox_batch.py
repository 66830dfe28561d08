"""The relay's batches: with a backlog, one transaction claims and delivers several events; a consumer
that raises rolls the batch back and each event is redone on its own, none lost or doubled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import crm.events as events
from crm.events import OutboxDelivery, OutboxEvent, register_consumer, relay_pending
from crm.models import TimelineEntry
from crm.services.records import create_record
from extensions import db
from tests.support.statements import statements as counted_statements
from transactions import after_commit, unit_of_work


@pytest.fixture
def consumers(monkeypatch, app):
    """A private consumer registry, and batches of 20 (the default) whatever the environment says."""
    monkeypatch.setattr(events, "_consumers", {})
    monkeypatch.setitem(app.config, "OUTBOX_RELAY_BATCH", 20)
    return events


def _note(lead_id: int, summary: str) -> None:
    db.session.add(TimelineEntry(entity="lead", record_id=lead_id, kind="note", summary=summary))


def _notes() -> list[tuple[int, str]]:
    rows = db.session.execute(select(TimelineEntry.record_id, TimelineEntry.summary)
                              .where(TimelineEntry.kind == "note"))
    return sorted(tuple(row) for row in rows)


def _claims(seen: list[str]) -> list[str]:
    """The statements that claim events (PostgreSQL: SELECT ... FOR UPDATE; SQLite: UPDATE ... RETURNING)."""
    return [s for s in seen if "outbox_event" in s
            and ("FOR UPDATE" in s or s.startswith("UPDATE outbox_event SET attempts"))]


def _leads(api, n: int) -> list[int]:
    return [api.post("/leads", {"title": f"L{i}"}).json["id"] for i in range(n)]


def test_a_backlog_is_claimed_in_one_statement_and_delivered_in_one_commit(api, consumers):
    register_consumer("one", lambda e: _note(e.entity_id, "one"))
    leads = _leads(api, 5)
    with counted_statements() as seen:
        assert relay_pending() == 5
    assert len(_claims(seen)) == 1  # one by one: a pending query and a claim per event
    assert not [s for s in seen if "SAVEPOINT" in s or "outbox_delivery" in s]
    assert _notes() == [(lead, "one") for lead in leads]
    assert all(row.delivered_at for row in db.session.scalars(select(OutboxEvent)))


def test_batches_follow_each_other_until_the_backlog_is_gone(api, app, consumers):
    app.config["OUTBOX_RELAY_BATCH"] = 2
    register_consumer("one", lambda e: _note(e.entity_id, "one"))
    leads = _leads(api, 5)
    with counted_statements() as seen:
        assert relay_pending() == 5
    assert len(_claims(seen)) == 3  # 2 + 2 + 1: the short batch says the backlog is gone
    assert _notes() == [(lead, "one") for lead in leads]


def test_a_relay_limit_counts_the_batches(api, app, consumers):
    app.config["OUTBOX_RELAY_BATCH"] = 2
    register_consumer("one", lambda e: None)
    _leads(api, 5)
    assert relay_pending(3) == 3
    assert relay_pending(3) == 2


def test_a_failing_consumer_in_a_batch_loses_and_doubles_nothing(api, consumers):
    kicks: list[int] = []
    flaky_runs: list[int] = []
    leads = _leads(api, 4)
    bad = leads[1]

    def kicker(event: OutboxEvent) -> None:
        _note(event.entity_id, "kicker")
        after_commit(kicks.append, event.entity_id)

    def flaky(event: OutboxEvent) -> None:
        flaky_runs.append(event.entity_id)
        _note(event.entity_id, "flaky")
        if event.entity_id == bad:
            raise ConnectionError("down")

    register_consumer("kicker", kicker)
    register_consumer("flaky", flaky)
    assert relay_pending() == 3
    # Every event's work is there exactly once; the bad event's flaky note was rolled back.
    assert _notes() == sorted([(lead, "kicker") for lead in leads]
                              + [(lead, "flaky") for lead in leads if lead != bad])
    assert sorted(kicks) == sorted(leads)  # the rolled-back batch's kicks were dropped, not sent
    # flaky ran on the batch up to the bad event, then once more per event but not on the bad one.
    assert flaky_runs == [leads[0], bad, leads[0], leads[2], leads[3]]
    rows = {row.entity_id: row for row in db.session.scalars(select(OutboxEvent))}
    assert rows[bad].delivered_at is None and rows[bad].attempts == 1
    assert rows[bad].last_error == "flaky: down"
    assert all(rows[lead].delivered_at and rows[lead].attempts == 0 for lead in leads if lead != bad)
    # the bad event's careful path wrote the one delivery row
    assert list(db.session.scalars(select(OutboxDelivery.consumer))) == ["kicker"]


def test_an_event_that_failed_before_goes_the_careful_path_inside_the_batch(api, consumers):
    broken = [True]

    def flaky(event: OutboxEvent) -> None:
        if broken[0]:
            raise ConnectionError("down")
        _note(event.entity_id, "flaky")

    register_consumer("steady", lambda e: _note(e.entity_id, "steady"))
    register_consumer("flaky", flaky)
    first = _leads(api, 1)[0]
    assert relay_pending() == 0
    broken[0] = False
    second = _leads(api, 1)[0]
    with counted_statements() as seen:
        assert relay_pending() == 2
    assert len(_claims(seen)) == 1
    # steady is not run again for the first event (its delivery row), flaky now is
    assert _notes() == sorted([(first, "steady"), (first, "flaky"), (second, "steady"), (second, "flaky")])


def test_inside_a_callers_unit_of_work_the_relay_goes_one_by_one(app, admin, consumers):
    register_consumer("bad", lambda e: 1 / 0)
    with unit_of_work():
        create_record("lead", {"title": "First"}, actor=admin)
    with unit_of_work():
        lead = create_record("lead", {"title": "Second"}, actor=admin)
        assert relay_pending() == 0
    assert db.session.get(type(lead), lead.id) is not None  # the caller's change stayed
