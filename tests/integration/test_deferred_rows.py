"""Rows nobody reads back (and UPDATEs of a row the transaction inserted), sent with the
transaction's next statement (deferred_rows.py): on
PostgreSQL carried as CTEs of a Core UPDATE, DELETE or RETURNING INSERT, or written in one
statement of their own before anything else (a read sees them) and at the commit; a rollback,
a savepoint's included, drops them; rows of one table keep their order; a bad row fails the
transaction. On SQLite each goes at once."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

import deferred_rows
from crm.events import OutboxEvent
from crm.models import StageHistory, TimelineEntry
from extensions import db
from tests.support.statements import deferring, inserts_into, statements

ENTRY = TimelineEntry.__table__
STAGE = StageHistory.__table__


def _entry(n: int) -> dict:
    return {"entity": "lead", "record_id": 900_000 + n, "kind": "note", "summary": f"entry {n}"}


def _summaries() -> list[str]:
    return list(db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.record_id >= 900_000)
                                   .order_by(TimelineEntry.id)))


@pytest.fixture
def fresh(app):
    yield
    db.session.rollback()
    db.session.execute(delete(TimelineEntry).where(TimelineEntry.record_id >= 900_000))
    db.session.execute(delete(StageHistory).where(StageHistory.record_id >= 900_000))
    db.session.commit()


@pytest.fixture
def postgres_only(app):
    if not deferring():
        pytest.skip("SQLite inserts each row at once: test_sqlite_inserts_each_row_at_once")


def test_sqlite_inserts_each_row_at_once(fresh):
    if deferring():
        pytest.skip("PostgreSQL keeps the rows: the tests below")
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, _entry(1))
    assert inserts_into(seen) == ["timeline_entry"]
    assert deferred_rows.kept_rows() == 0


def test_rows_wait_for_the_next_statement_and_a_read_sees_them(fresh, postgres_only):
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, _entry(1))
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_001, "to_status": "new"})
        deferred_rows.defer_insert(ENTRY, _entry(2))
        assert deferred_rows.kept_rows() == 3
        assert seen == []
        assert _summaries() == ["entry 1", "entry 2"]  # written first, in one statement, in order
    assert len(seen) == 2 and sorted(inserts_into(seen[:1])) == ["stage_history", "timeline_entry"], seen
    assert deferred_rows.kept_rows() == 0
    created = db.session.scalar(select(TimelineEntry.created_at).where(TimelineEntry.record_id == 900_001))
    assert created is not None  # the column's Python default, filled in when kept


def test_a_core_update_carries_the_rows_in_its_own_statement(fresh, postgres_only):
    db.session.execute(insert(ENTRY), _entry(0))
    with statements() as seen:
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_002, "to_status": "new"})
        changed = db.session.connection().execute(
            update(ENTRY).where(ENTRY.c.record_id == 900_000).values(summary="changed")).rowcount
    assert changed == 1  # the row count is the UPDATE's own
    assert len(seen) == 1 and seen[0].startswith("WITH dr0 AS (INSERT INTO stage_history"), seen
    db.session.commit()
    assert db.session.scalar(select(StageHistory.to_status).where(StageHistory.record_id == 900_002)) == "new"


def test_a_statement_on_a_table_with_kept_rows_sees_them(fresh, postgres_only):
    """Not carried (one snapshot would hide the rows from it): written before it."""
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, _entry(3))
        changed = db.session.connection().execute(
            update(ENTRY).where(ENTRY.c.record_id == 900_003).values(summary="seen")).rowcount
    assert changed == 1 and len(seen) == 2, seen
    assert _summaries() == ["seen"]


def test_the_commit_writes_the_rows_and_a_rollback_drops_them(fresh, postgres_only):
    deferred_rows.defer_insert(ENTRY, _entry(4))
    db.session.rollback()
    deferred_rows.defer_insert(ENTRY, _entry(5))
    with statements() as seen:
        db.session.commit()
    assert len(inserts_into(seen)) == 1, seen
    assert _summaries() == ["entry 5"]


def test_a_savepoint_rolled_back_drops_the_rows_kept_inside_it(fresh, postgres_only):
    deferred_rows.defer_insert(ENTRY, _entry(6))
    with db.session.begin_nested() as nested:  # the rows kept before go before the SAVEPOINT
        deferred_rows.defer_insert(ENTRY, _entry(7))
        nested.rollback()
    db.session.commit()
    assert _summaries() == ["entry 6"]


def test_rows_with_other_columns_send_the_kept_ones_first(fresh, postgres_only):
    """Ids in order: a table's rows kept together share their columns."""
    deferred_rows.defer_insert(ENTRY, _entry(8))
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, {**_entry(9), "actor_id": None})
    assert len(seen) == 1 and deferred_rows.kept_rows() == 1
    deferred_rows.defer_insert(ENTRY, _entry(10))
    db.session.commit()
    assert _summaries() == ["entry 8", "entry 9", "entry 10"]


def test_a_row_that_breaks_a_constraint_fails_the_statement_that_carries_it(fresh, postgres_only):
    event = {"event_id": "dup-deferred", "type": "lead.updated", "entity": "lead", "entity_id": 1}
    deferred_rows.defer_insert(OutboxEvent.__table__, event)
    deferred_rows.defer_insert(OutboxEvent.__table__, event)  # event_id is unique
    deferred_rows.defer_insert(ENTRY, _entry(11))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert _summaries() == []
    assert db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event_id == "dup-deferred")) is None


def test_a_kept_update_goes_with_the_next_statement_and_a_read_sees_it(fresh, postgres_only):
    db.session.execute(insert(ENTRY), _entry(12))
    entry_id = db.session.scalar(select(TimelineEntry.id).where(TimelineEntry.record_id == 900_012))
    with statements() as seen:
        deferred_rows.defer_update(ENTRY, entry_id, {"summary": "updated"})
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_012, "to_status": "new"})
        assert seen == [] and deferred_rows.kept_rows() == 2
        assert _summaries() == ["updated"]
    assert len(seen) == 2 and seen[0].startswith("WITH dr0 AS (UPDATE timeline_entry"), seen
    deferred_rows.defer_update(ENTRY, entry_id, {"summary": "once"})
    with statements() as seen:
        deferred_rows.defer_update(ENTRY, entry_id, {"summary": "twice"})  # a row changes once a statement
    assert len(seen) == 1
    db.session.commit()
    assert _summaries() == ["twice"]


def test_a_kept_statement_goes_as_text_with_its_own_binds(fresh, postgres_only):
    """An upsert (the search index's, per relayed event) rendered once as text, binds renamed."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    upsert = pg_insert(STAGE).values(entity="lead", record_id=900_013, to_status="new")
    upsert = upsert.on_conflict_do_nothing()
    with statements() as seen:
        deferred_rows.defer_statement(upsert, {})
        deferred_rows.defer_insert(ENTRY, _entry(13))
        outbox = OutboxEvent.__table__
        changed = db.session.connection().execute(
            update(outbox).where(outbox.c.id == -1).values(attempts=0)).rowcount
    assert changed == 0 and len(seen) == 1 and inserts_into(seen) == ["stage_history", "timeline_entry"], seen
    db.session.commit()
    assert db.session.scalar(select(StageHistory.to_status).where(StageHistory.record_id == 900_013)) == "new"
    assert _summaries() == ["entry 13"]
