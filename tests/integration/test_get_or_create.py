"""Get-or-create under concurrency: workers that look up the same missing row at once all end with
the one row (a fresh scaled-out install once put an instance in `error` creating the system user)."""
from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from engine.models import ProcessDefinition
from extensions import db
from org.models import User
from org.rows import get_or_create
from org.services.users import SYSTEM_EMAIL, system_user

WORKERS = 6


def race(app, table: str, work) -> list[object]:
    """Run `work()` in WORKERS threads (own app context, own session, commit); every thread's first
    look-up in `table` finishes before any of them goes on, so all of them find nothing."""
    barrier = threading.Barrier(WORKERS, timeout=30)
    local = threading.local()

    def hold(conn, cursor, statement, params, context, executemany) -> None:
        if getattr(local, "armed", False) and statement.lstrip().upper().startswith("SELECT") \
                and table in statement:
            local.armed = False
            barrier.wait()

    results: list[object] = [None] * WORKERS

    def run(i: int) -> None:
        with app.app_context():
            local.armed = True
            try:
                results[i] = work()
                db.session.commit()
            except Exception as exc:  # the failure is the finding: keep it for the assertion
                db.session.rollback()
                results[i] = exc
                if local.armed:
                    barrier.abort()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        event.remove(engine, "after_cursor_execute", hold)
    return results


def test_workers_creating_the_system_user_at_once_share_one_row(app):
    db.session.commit()
    ids = race(app, "user_account", lambda: system_user().id)
    errors = [r for r in ids if isinstance(r, Exception)]
    assert errors == []
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count(User.id)).where(User.email == SYSTEM_EMAIL)) == 1


def test_get_or_create_of_a_process_definition_at_once(app):
    db.session.commit()

    def work() -> tuple[int, bool]:
        row, created = get_or_create(ProcessDefinition, key="raced",
                                     defaults={"name": "Raced", "active": True})
        db.session.flush()
        return row.id, created

    results = race(app, "process_definition", work)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len({row_id for row_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    count = select(func.count(ProcessDefinition.id)).where(ProcessDefinition.key == "raced")
    assert db.session.scalar(count) == 1
