"""Rows nobody reads back (and UPDATEs of a row the transaction inserted), sent with the
transaction's next statement (deferred_rows.py): on PostgreSQL carried as CTEs of a Core UPDATE,
DELETE or RETURNING INSERT, or written in one statement of their own before anything else (a
read sees them) and at the commit; a rollback, a savepoint's included, drops them; rows of one
table keep their order; a bad row fails the transaction. On SQLite each goes at once: the same
tests show the same rows there, the statements' shapes only on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def test_rows_wait_for_the_next_statement_and_a_read_sees_them(fresh):
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, _entry(1))
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_001, "to_status": "new"})
        deferred_rows.defer_insert(ENTRY, _entry(2))
        if deferring():
            assert seen == [] and deferred_rows.kept_rows() == 3
        else:  # SQLite: each at once
            assert inserts_into(seen) == ["timeline_entry", "stage_history", "timeline_entry"], seen
        assert _summaries() == ["entry 1", "entry 2"]  # written first (one statement), in order
    if deferring():
        assert len(seen) == 2 and sorted(inserts_into(seen[:1])) == ["stage_history", "timeline_entry"], seen
    assert deferred_rows.kept_rows() == 0
    created = db.session.scalar(select(TimelineEntry.created_at).where(TimelineEntry.record_id == 900_001))
    assert created is not None  # the column's Python default, filled in when kept


def test_a_core_update_carries_the_rows_in_its_own_statement(fresh):
    db.session.execute(insert(ENTRY), _entry(0))
    with statements() as seen:
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_002, "to_status": "new"})
        changed = db.session.connection().execute(
            update(ENTRY).where(ENTRY.c.record_id == 900_000).values(summary="changed")).rowcount
    assert changed == 1  # the row count is the UPDATE's own
    if deferring():
        assert len(seen) == 1 and seen[0].startswith("WITH dr0 AS (INSERT INTO stage_history"), seen
    db.session.commit()
    assert db.session.scalar(select(StageHistory.to_status).where(StageHistory.record_id == 900_002)) == "new"
    assert _summaries() == ["changed"]


def test_a_statement_on_a_table_with_kept_rows_sees_them(fresh):
    """Not carried (one snapshot would hide the rows from it): written before it."""
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, _entry(3))
        changed = db.session.connection().execute(
            update(ENTRY).where(ENTRY.c.record_id == 900_003).values(summary="seen")).rowcount
    assert changed == 1 and len(seen) == 2, seen
    assert _summaries() == ["seen"]


def test_the_commit_writes_the_rows_and_a_rollback_drops_them(fresh):
    deferred_rows.defer_insert(ENTRY, _entry(4))
    db.session.rollback()
    deferred_rows.defer_insert(ENTRY, _entry(5))
    with statements() as seen:
        db.session.commit()
    assert len(inserts_into(seen)) == (1 if deferring() else 0), seen
    assert _summaries() == ["entry 5"]


def test_a_savepoint_rolled_back_drops_the_rows_kept_inside_it(fresh):
    deferred_rows.defer_insert(ENTRY, _entry(6))
    with db.session.begin_nested() as nested:  # the rows kept before go before the SAVEPOINT
        deferred_rows.defer_insert(ENTRY, _entry(7))
        nested.rollback()
    db.session.commit()
    assert _summaries() == ["entry 6"]


def test_rows_with_other_columns_send_the_kept_ones_first(fresh):
    """Ids in order: a table's rows kept together share their columns."""
    deferred_rows.defer_insert(ENTRY, _entry(8))
    with statements() as seen:
        deferred_rows.defer_insert(ENTRY, {**_entry(9), "actor_id": None})
    assert len(seen) == 1 and deferred_rows.kept_rows() == (1 if deferring() else 0)
    deferred_rows.defer_insert(ENTRY, _entry(10))
    db.session.commit()
    assert _summaries() == ["entry 8", "entry 9", "entry 10"]


def test_a_row_that_breaks_a_constraint_fails_the_transaction(fresh):
    """On PostgreSQL when the statement that carries it runs (here the commit); SQLite at once."""
    event = {"event_id": "dup-deferred", "type": "lead.updated", "entity": "lead", "entity_id": 1}
    with pytest.raises(IntegrityError):
        deferred_rows.defer_insert(OutboxEvent.__table__, event)
        deferred_rows.defer_insert(OutboxEvent.__table__, event)  # event_id is unique
        deferred_rows.defer_insert(ENTRY, _entry(11))
        db.session.commit()
    db.session.rollback()
    assert _summaries() == []
    assert db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event_id == "dup-deferred")) is None


def test_a_kept_update_goes_with_the_next_statement_and_a_read_sees_it(fresh):
    db.session.execute(insert(ENTRY), _entry(12))
    entry_id = db.session.scalar(select(TimelineEntry.id).where(TimelineEntry.record_id == 900_012))
    with statements() as seen:
        deferred_rows.defer_update(ENTRY, entry_id, {"summary": "updated"})
        deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_012, "to_status": "new"})
        assert (seen == [] and deferred_rows.kept_rows() == 2) if deferring() else len(seen) == 2
        assert _summaries() == ["updated"]
    if deferring():
        assert len(seen) == 2 and seen[0].startswith("WITH dr0 AS (UPDATE timeline_entry"), seen
    deferred_rows.defer_update(ENTRY, entry_id, {"summary": "once"})
    with statements() as seen:
        deferred_rows.defer_update(ENTRY, entry_id, {"summary": "twice"})  # a row changes once a statement
    assert len(seen) == 1
    db.session.commit()
    assert _summaries() == ["twice"]


def test_a_kept_statement_goes_as_text_with_its_own_binds(fresh):
    """An upsert (the search index's, per relayed event) rendered once as text, binds renamed."""
    build = pg_insert if deferring() else sqlite_insert
    upsert = build(STAGE).values(entity="lead", record_id=900_013, to_status="new").on_conflict_do_nothing()
    with statements() as seen:
        deferred_rows.defer_statement(upsert, {})
        deferred_rows.defer_insert(ENTRY, _entry(13))
        outbox = OutboxEvent.__table__
        changed = db.session.connection().execute(
            update(outbox).where(outbox.c.id == -1).values(attempts=0)).rowcount
    assert changed == 0 and inserts_into(seen) == ["stage_history", "timeline_entry"], seen
    assert len(seen) == (1 if deferring() else 3), seen
    db.session.commit()
    assert db.session.scalar(select(StageHistory.to_status).where(StageHistory.record_id == 900_013)) == "new"
    assert _summaries() == ["entry 13"]


def test_a_kept_update_by_id_and_kept_inserts_of_its_table_share_a_statement(fresh):
    """The updated row is in the database already (a step's closed activation beside its new ones)."""
    db.session.execute(insert(ENTRY), _entry(14))
    entry_id = db.session.scalar(select(TimelineEntry.id).where(TimelineEntry.record_id == 900_014))
    with statements() as seen:
        deferred_rows.defer_update(ENTRY, entry_id, {"summary": "closed"})
        deferred_rows.defer_insert(ENTRY, _entry(15))
        db.session.commit()
    assert len(seen) == (1 if deferring() else 2), seen
    assert _summaries() == ["closed", "entry 15"]


def test_a_statement_carrying_many_rows_is_converted_by_psycopg_once(fresh, monkeypatch):
    """psycopg keeps its placeholder conversion of a statement of over 50 parameters too."""
    if not deferring():
        pytest.skip("SQLite runs each row at once: nothing is carried")
    from psycopg import _queries

    uncached: list[bytes] = []
    convert = _queries._query2pg_nocache  # what its LRU calls on a miss, and convert() past its limits
    monkeypatch.setattr(_queries, "_query2pg_nocache",
                        lambda query, *a: uncached.append(query) or convert(query, *a))
    db.session.execute(insert(ENTRY), _entry(0))
    for n in range(2):
        for row in range(20):  # 20 rows of 4 columns and more: over psycopg's default of 50 parameters
            deferred_rows.defer_insert(STAGE, {"entity": "lead", "record_id": 900_100 + row,
                                               "to_status": f"s{n}"})
        with statements() as seen:
            db.session.connection().execute(
                update(ENTRY).where(ENTRY.c.record_id == 900_000).values(summary="x"))
        assert len(seen) == 1 and seen[0].startswith("WITH dr0 AS (INSERT INTO stage_history"), seen
    assert uncached == []
