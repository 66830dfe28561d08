"""A fresh database per test run: an SQLite file, or a new PostgreSQL database."""
from __future__ import annotations

import os
import subprocess
import tempfile
import uuid

import psycopg

PG_ADMIN_URL = os.environ.get("FLOWDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# rights_epoch keeps its one row; the wipe moves it on (below) as the triggers would.
KEEP_TABLES = {"alembic_version", "crm_pipeline", "crm_status", "role", "role_permission", "rights_epoch"}


def backend() -> str:
    return os.environ.get("FLOWDESK_TEST_DB", "sqlite")


def ensure_postgres() -> None:
    """Start the machine's PostgreSQL if it is down (docs/facts/test-services.md)."""
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        versions = os.listdir("/etc/postgresql")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"],
                       check=True)


def create_database() -> tuple[str, callable]:
    """Return (SQLAlchemy URL, cleanup) for a database nobody else uses."""
    if backend() == "postgresql":
        ensure_postgres()
        name = f"flowdesk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{name}", drop
    folder = tempfile.mkdtemp(prefix="flowdesk-test-")
    return f"sqlite:///{folder}/test.sqlite", lambda: None


def wipe(db) -> None:
    """Empty every table but the seeded ones, between tests."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            _wipe_postgres(conn, tables)
    else:
        _wipe_sqlite(db, tables)
    with db.engine.begin() as conn:  # seeded roles a test may have changed: the defaults again
        from crm.rights.defaults import reset_roles

        reset_roles(conn)
        # PostgreSQL's wipe runs with triggers off and restarts the ids: rights kept by this
        # process under the epoch of the last test must not answer for the next test's users.
        conn.exec_driver_sql("UPDATE rights_epoch SET value = value + 1")
        # pipelines a test added, and their stages: only the seeded default pipeline stays
        conn.exec_driver_sql("DELETE FROM crm_status WHERE pipeline_id IN "
                             "(SELECT id FROM crm_pipeline WHERE is_default = false)")
        conn.exec_driver_sql("DELETE FROM crm_pipeline WHERE is_default = false")
        _reset_statuses(conn)


_seeded_statuses: dict[int, dict] = {}


def _reset_statuses(conn) -> None:
    """Status values and stages as seeded: the first wipe (before any test wrote) keeps a copy;
    later ones drop rows a test added and put back rows a test changed."""
    from sqlalchemy import text

    rows = {r["id"]: dict(r) for r in conn.execute(text("SELECT * FROM crm_status")).mappings()}
    if not _seeded_statuses:
        _seeded_statuses.update(rows)
        return
    added = [i for i in rows if i not in _seeded_statuses]
    if added:
        conn.execute(text("DELETE FROM crm_status WHERE id IN ({})".format(",".join(map(str, added)))))
    for row_id, seeded in _seeded_statuses.items():
        if rows.get(row_id) != seeded:
            changes = ", ".join(f"{c} = :{c}" for c in seeded if c != "id")
            conn.execute(text(f"UPDATE crm_status SET {changes} WHERE id = :id"), seeded)


_pg_sequences: list[str] = []


def _wipe_postgres(conn, tables) -> None:
    """DELETE with FK triggers off (and the audit log's append-only trigger), then restart the id sequences.

    TRUNCATE measured 940 ms per test over 28 tables, DELETE 11 ms.
    """
    if not _pg_sequences:
        for t in tables:
            seq = conn.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, 'id')", (t.name,)).scalar() if "id" in t.c else None
            if seq:
                _pg_sequences.append(seq)
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    for t in tables:
        conn.exec_driver_sql(f'DELETE FROM "{t.name}"')
    if _pg_sequences:
        resets = ", ".join(f"setval('{seq}', 1, false)" for seq in _pg_sequences)
        conn.exec_driver_sql(f"SELECT {resets}")


def _wipe_sqlite(db, tables) -> None:
    """On the raw connection: PRAGMA foreign_keys is a no-op inside a transaction."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("BEGIN IMMEDIATE")
        # Triggers refusing DELETE (the append-only audit log) step aside for the wipe only; the
        # others stay (search_document's keep its FTS5 index in step: dropping them left stale
        # index rows behind, which the next test's search then found).
        triggers = cur.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                               "AND tbl_name='audit_entry'").fetchall()
        for name, _sql in triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        for t in reversed(tables):
            cur.execute(f'DELETE FROM "{t.name}"')
        for _name, sql in triggers:
            cur.execute(sql)
        if cur.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone():
            cur.execute("DELETE FROM sqlite_sequence")
        cur.execute("COMMIT")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()
