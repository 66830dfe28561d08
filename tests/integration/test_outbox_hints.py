"""The claim's hints: read in the claiming statement, through the tables' indexes, and worth
nothing outside the relay's delivery of the event they were read for."""

from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from crm.events import OutboxEvent, _claim, _claim_checks
from crm.outbox_hints import Found, claim_hint, delivering
from crm.relay_batch import _claim_batch
from extensions import db
from tests.support.databases import backend


@pytest.mark.skipif(backend() != "sqlite", reason=(
    "SQLite's query planner and its `+column` form; on PostgreSQL the hints are shown by "
    "test_step_statements (the relay reads neither message_wait nor timeline_entry)"))
@pytest.mark.parametrize("build", ["one", "batch"])
def test_sqlite_reads_the_hints_through_the_indexes(app, build):
    """SQLite's planner scans a subquery's table inside RETURNING unless the claimed event's
    columns are written `+outbox_event.<column>` (crm/outbox_hints._Claimed)."""
    hints = {name for (kind, name), _ in _claim_checks() if kind == "hint"}
    assert hints >= {"engine.waits", "search.comments"}
    seen = []

    def note(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        _claim(1) if build == "one" else _claim_batch(0, 20)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    (statement, parameters), = seen
    plan = [row[3] for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)]
    db.session.rollback()
    for table in ("message_wait", "timeline_entry", "record_email"):
        assert not [step for step in plan if step.startswith(f"SCAN {table}")], plan
        assert [step for step in plan if step.startswith(f"SEARCH {table}")], plan


def test_a_hint_holds_only_for_the_event_it_was_read_for(app):
    event = OutboxEvent(id=7, event_id="e", type="lead.created", entity="lead", entity_id=1)
    other = OutboxEvent(id=8, event_id="f", type="lead.created", entity="lead", entity_id=2)
    assert claim_hint(event, "engine.waits") is True  # not claimed by a relay: look
    with delivering(7, Found(frozenset(), {"engine.waits": False})):
        assert claim_hint(event, "engine.waits") is False
        assert claim_hint(event, "search.comments") is True  # not read: look
        assert claim_hint(other, "engine.waits") is True
    assert claim_hint(event, "engine.waits") is True
    assert db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.id == 7)) is None
