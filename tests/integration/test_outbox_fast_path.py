"""The relay's fast path: an event's consumers in one transaction, no savepoints, no delivery rows;
a failing consumer sends the event down the careful path (savepoint and delivery row per consumer)."""

from __future__ import annotations

import pytest
from sqlalchemy import false, func, select, true

import crm.events as events
from crm.events import OutboxDelivery, OutboxEvent, deliver_event, register_consumer, relay_pending
from crm.models import Lead, TimelineEntry
from crm.services.records import create_record
from extensions import db
from tests.support.statements import statements as counted_statements
from transactions import after_commit, unit_of_work


@pytest.fixture
def consumers(monkeypatch):
    """A private consumer registry: whatever a test registers is gone afterwards."""
    monkeypatch.setattr(events, "_consumers", {})
    return events


@pytest.fixture
def statements(app):
    with counted_statements() as seen:
        yield seen


def _note(lead_id: int, summary: str) -> None:
    db.session.add(TimelineEntry(entity="lead", record_id=lead_id, kind="note", summary=summary))


def _notes() -> list[str]:
    return sorted(db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.kind == "note")))


def _deliveries() -> list[str]:
    return sorted(db.session.scalars(select(OutboxDelivery.consumer)))


def test_a_clean_delivery_takes_no_savepoint_and_writes_no_delivery_row(api, consumers, statements):
    register_consumer("one", lambda e: _note(e.entity_id, "one"))
    register_consumer("two", lambda e: _note(e.entity_id, "two"))
    api.post("/leads", {"title": "L"})
    statements.clear()
    assert relay_pending() == 1
    assert not [s for s in statements if "SAVEPOINT" in s or "outbox_delivery" in s]
    assert _notes() == ["one", "two"] and _deliveries() == []
    assert db.session.scalars(select(OutboxEvent)).one().delivered_at is not None


def test_a_failing_consumer_keeps_the_others_work_and_their_kicks_run_once(api, consumers):
    kicks: list[int] = []
    runs: list[int] = []
    broken = [True]

    def kicker(event: OutboxEvent) -> None:
        runs.append(event.id)
        _note(event.entity_id, "kicker")
        after_commit(kicks.append, len(runs))  # which run queued it

    def flaky(event: OutboxEvent) -> None:
        _note(event.entity_id, "flaky")
        if broken[0]:
            raise ConnectionError("down")

    register_consumer("kicker", kicker)
    register_consumer("flaky", flaky)
    register_consumer("last", lambda e: _note(e.entity_id, "last"))
    api.post("/leads", {"title": "L"})
    assert relay_pending() == 0
    row = db.session.scalars(select(OutboxEvent)).one()
    assert row.delivered_at is None and row.attempts == 1 and row.last_error == "flaky: down"
    assert _notes() == ["kicker", "last"]  # flaky's write rolled back, the others kept once
    assert len(runs) == 2 and kicks == [2]  # run on the fast path and again: its first kick dropped
    assert _deliveries() == ["kicker", "last"]  # delivery rows on the partial-failure path only
    broken[0] = False
    assert relay_pending() == 1
    assert _notes() == ["flaky", "kicker", "last"] and kicks == [2]  # only flaky ran again
    assert _deliveries() == ["flaky", "kicker", "last"]


def test_a_write_failing_at_flush_is_charged_to_its_consumer(api, consumers):
    register_consumer("good", lambda e: _note(e.entity_id, "good"))
    register_consumer("bad", lambda e: db.session.add(TimelineEntry(entity="lead", record_id=None)))
    register_consumer("after", lambda e: _note(e.entity_id, "after"))
    api.post("/leads", {"title": "L"})
    assert relay_pending() == 0
    row = db.session.scalars(select(OutboxEvent)).one()
    assert row.attempts == 1 and row.last_error.startswith("bad: ")
    assert _notes() == ["after", "good"] and _deliveries() == ["after", "good"]


def test_inside_a_callers_unit_of_work_a_failure_rolls_back_nothing_of_the_caller(app, admin, consumers):
    register_consumer("good", lambda e: _note(e.entity_id, "good"))
    register_consumer("bad", lambda e: 1 / 0)
    with unit_of_work():
        create_record("lead", {"title": "First"}, actor=admin)
    first = db.session.scalars(select(OutboxEvent)).one().id
    with unit_of_work():
        create_record("lead", {"title": "Second"}, actor=admin)
        assert deliver_event(first) is False
    assert db.session.scalar(select(func.count(Lead.id))) == 2  # the caller's change stayed
    assert _notes() == ["good"] and _deliveries() == ["good"]


def test_the_consumers_of_one_event_read_the_record_and_its_emails_once(api, consumers, statements):
    from crm.search.documents import build_documents
    from crm.serialize import emails_of
    from engine.triggers import load_record_dict

    seen: dict[str, object] = {}

    def engine_like(event: OutboxEvent) -> None:
        seen["engine"] = load_record_dict(event.entity, event.entity_id)["emails"]

    def search_like(event: OutboxEvent) -> None:
        record = db.session.get(Lead, event.entity_id)
        seen["search"] = build_documents("lead", [record])[0].body
        seen["again"] = emails_of("lead", [event.entity_id])[event.entity_id]

    register_consumer("engine_like", engine_like)
    register_consumer("search_like", search_like)
    api.post("/leads", {"title": "L", "emails": ["a@example.com"]})
    statements.clear()
    assert relay_pending() == 1
    assert seen["engine"] == seen["again"] == ["a@example.com"] and "a@example.com" in seen["search"]
    assert len([s for s in statements if "FROM lead" in s]) == 1
    # the claim holds the hint's EXISTS (... FROM record_email ...): the reads of it are counted
    assert len([s for s in statements if s.startswith("SELECT record_email")]) == 1


def test_a_record_without_emails_is_not_asked_for_them(api, consumers, statements):
    """The claim's hint (crm.serialize.EMAILS_HINT) found none: every consumer gets the empty list
    without a read; a record with e-mails is read as before (the test above)."""
    from crm.search.documents import build_documents
    from engine.triggers import load_record_dict

    seen: dict[str, object] = {}

    def engine_like(event: OutboxEvent) -> None:
        seen["engine"] = load_record_dict(event.entity, event.entity_id)["emails"]
        seen["search"] = build_documents("lead", [db.session.get(Lead, event.entity_id)])[0].body

    register_consumer("engine_like", engine_like)
    api.post("/leads", {"title": "No mail"})
    statements.clear()
    assert relay_pending() == 1
    assert seen["engine"] == [] and "@" not in str(seen["search"])
    assert not [s for s in statements if s.startswith("SELECT record_email")]


def test_a_record_read_for_an_event_brings_its_responsible_held_for_the_block(api, admin):
    """crm.serialize.shared_get: one SELECT for the record and its responsible, who stays in the
    session (which holds objects weakly) until the block ends; a record the session holds and
    fresh costs no statement, as outside the block."""
    import gc

    from crm.serialize import shared_get, shared_reads
    from org.models import User

    admin_id = admin.id
    lead_id = api.post("/leads", {"title": "L"}).get_json()["id"]
    db.session.expunge_all()
    with shared_reads():
        with counted_statements() as seen:
            assert shared_get(Lead, lead_id).responsible_id == admin_id
            gc.collect()
            assert db.session.get(User, admin_id).id == admin_id
        assert len(seen) == 1 and " FROM lead LEFT OUTER JOIN user_account " in seen[0], seen
        assert shared_get(Lead, 10_000) is None
    record = db.session.get(Lead, lead_id)
    with shared_reads(), counted_statements() as seen:
        assert shared_get(Lead, lead_id) is record
    assert seen == []


def test_an_administrators_retry_runs_the_fast_path_and_a_new_failure_keeps_the_done_rows(api, consumers):
    calls = {"steady": 0, "flaky": 0}

    def flaky(event: OutboxEvent) -> None:
        calls["flaky"] += 1
        raise ConnectionError("still down")

    register_consumer("steady", lambda e: calls.__setitem__("steady", calls["steady"] + 1))
    register_consumer("flaky", flaky)
    api.post("/leads", {"title": "L"})
    assert relay_pending() == 0 and _deliveries() == ["steady"]
    row = db.session.scalars(select(OutboxEvent)).one()
    row.attempts = 0  # as ops.status.retry_failed_event does
    db.session.commit()
    assert relay_pending() == 0
    db.session.refresh(row)
    assert row.attempts == 1 and row.last_error == "flaky: still down"  # not a duplicate delivery row
    assert _deliveries() == ["steady"] and calls == {"steady": 3, "flaky": 2}


def test_consumers_registered_after_a_relay_have_their_idle_conditions_checked(api, consumers):
    """The claiming statement is built once, and again when the consumers change."""
    got: list[str] = []
    register_consumer("one", lambda e: got.append("one"))
    api.post("/leads", {"title": "A"})
    assert relay_pending() == 1
    register_consumer("idle", lambda e: got.append("idle"), idle_unless=false())
    register_consumer("busy", lambda e: got.append("busy"), idle_unless=true())
    api.post("/leads", {"title": "B"})
    assert relay_pending() == 1
    assert got == ["one", "one", "busy"]
