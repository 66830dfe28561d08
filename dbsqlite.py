"""SQLite connections: WAL and foreign keys, and savepoints that stay inside their transaction.

pysqlite opens a transaction (`BEGIN IMMEDIATE`, config.sqlite_engine_options) only before an
INSERT, UPDATE or DELETE; reads before it run outside any transaction. A SAVEPOINT sent first
(`session.begin_nested()` before the unit of work has written anything: an engine step's
service task, a relay's careful consumer) makes SQLite start a transaction of its own, and
releasing that savepoint is then a COMMIT: everything in it would be committed at once, apart
from the unit of work, whatever the unit of work did next (roll back, lose a race, die with its
worker). So before a savepoint, the real transaction begins.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


def install(engine: Engine) -> None:
    """Connection pragmas and the transaction before a savepoint, on a SQLite engine."""
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "savepoint", begin_before_savepoint)


def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
    """WAL lets the web and worker threads read while one writes."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def begin_before_savepoint(conn: Connection, _name: str | None = None) -> None:
    """Open the transaction (taking the write lock, as pysqlite's own BEGIN does) unless it is open."""
    if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
