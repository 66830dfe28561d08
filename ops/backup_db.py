"""Database snapshots for backups: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both give one consistent state while the platform keeps writing. The row counts of the
manifest come from that same state: the SQLite copy itself, and for PostgreSQL a
REPEATABLE READ transaction whose exported snapshot pg_dump is told to use.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

SKIP_TABLES = {"kombu_message", "kombu_queue"}  # the embedded broker's, if it shares the file


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the connection's database (what a manifest records)."""
    names = sorted(set(inspect(conn).get_table_names()) - SKIP_TABLES)
    return {name: conn.execute(text(f"SELECT count(*) FROM {_quote(name)}")).scalar_one() for name in names}


def sqlite_path(url: str) -> Path:
    """The file of an SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A PostgreSQL URL as pg_dump takes it (no driver name), and the password as PGPASSWORD."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def snapshot_sqlite(url: str, target: Path) -> dict[str, int]:
    """Copy the live SQLite database into `target` page by page; counts from the copy."""
    source = sqlite3.connect(sqlite_path(url), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=1024)  # steps of 1024 pages let writers in between
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


def snapshot_postgresql(engine: Engine, url: str, target: Path) -> dict[str, int]:
    """pg_dump in custom format on a snapshot exported by a REPEATABLE READ transaction."""
    _require_tool("pg_dump")
    conninfo, env = libpq(url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = table_counts(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={conninfo}"], env)
    return counts


def restore_sqlite(snapshot: Path, url: str) -> None:
    """Put the snapshot where the (empty) SQLite database of `url` lives."""
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):  # an empty database's journal must not be replayed onto ours
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, path)


def restore_postgresql(snapshot: Path, url: str) -> None:
    """pg_restore into the (empty) PostgreSQL database of `url`, all or nothing."""
    _require_tool("pg_restore")
    conninfo, env = libpq(url)
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={conninfo}", str(snapshot)], env)


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A short-lived connection of its own (not the app's pool, which restore replaces)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _require_tool(name: str) -> None:
    if shutil.which(name) is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools "
                          f"(Debian: apt install postgresql-client) matching the server's version")


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=6 * 3600)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
