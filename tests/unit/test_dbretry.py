"""dbretry.is_transient over real driver and SQLAlchemy exception objects."""
from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc

import dbretry


def _wrapped(orig: BaseException, cls: type = sa_exc.OperationalError, **kwargs: object) -> sa_exc.DBAPIError:
    return cls("SELECT 1", {}, orig, **kwargs)


def _raised_by_sqlite(sql: str) -> sa_exc.DBAPIError:
    """The exception SQLAlchemy really raises for `sql` on an in-memory SQLite database."""
    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(sa_exc.DBAPIError) as caught:
        conn.execute(text(sql))
    return caught.value


def test_sqlite_database_is_locked_is_transient():
    assert dbretry.is_transient(_wrapped(sqlite3.OperationalError("database is locked")))
    assert dbretry.is_transient(sqlite3.OperationalError("database is locked"))


def test_locked_sqlite_file_raises_a_transient_error(tmp_path):
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    with engine.connect() as conn, pytest.raises(sa_exc.OperationalError) as caught:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    holder.close()
    assert "locked" in str(caught.value)
    assert dbretry.is_transient(caught.value)


def test_connection_invalidated_is_transient():
    error = _wrapped(sqlite3.OperationalError("anything"), connection_invalidated=True)
    assert dbretry.is_transient(error)
    assert dbretry.is_transient(sa_exc.DisconnectionError("gone"))
    assert dbretry.is_transient(sa_exc.TimeoutError("QueuePool limit reached"))


@pytest.mark.parametrize("cls", [pg_errors.SerializationFailure, pg_errors.DeadlockDetected,
                                 pg_errors.LockNotAvailable, pg_errors.AdminShutdown,
                                 pg_errors.CannotConnectNow, pg_errors.TooManyConnections])
def test_postgresql_collisions_and_restarts_are_transient(cls):
    error = cls("retry me")
    assert error.sqlstate  # the code comes from the class, as psycopg raises it
    assert dbretry.is_transient(_wrapped(error, sa_exc.OperationalError))
    assert dbretry.is_transient(_wrapped(error, sa_exc.DBAPIError))


def test_postgresql_unreachable_is_transient():
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect("postgresql://127.0.0.1:9/nowhere", connect_timeout=2)
    assert dbretry.is_transient(caught.value)
    assert dbretry.is_transient(_wrapped(caught.value))


def test_real_failures_are_not_transient():
    assert not dbretry.is_transient(_raised_by_sqlite("SELECT * FROM no_such_table"))
    assert not dbretry.is_transient(_wrapped(pg_errors.UniqueViolation("duplicate key"),
                                             sa_exc.IntegrityError))
    assert not dbretry.is_transient(_wrapped(pg_errors.UndefinedTable("no table"),
                                             sa_exc.ProgrammingError))
    assert not dbretry.is_transient(_wrapped(sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not dbretry.is_transient(ValueError("database is locked"))  # not a database error
    assert not dbretry.is_transient(None)


def test_cause_chain_is_followed():
    try:
        try:
            raise _wrapped(sqlite3.OperationalError("database is locked"))
        except sa_exc.OperationalError as inner:
            raise RuntimeError("the activity failed") from inner
    except RuntimeError as outer:
        assert dbretry.is_transient(outer)


def test_a_cycle_in_the_chain_ends():
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__cause__, second.__cause__ = second, first
    assert not dbretry.is_transient(first)


def test_backoff_doubles_up_to_the_cap():
    for retries, full in ((0, 1.0), (1, 2.0), (3, 8.0), (10, 60.0)):
        delay = dbretry.backoff(retries)
        assert full / 2 <= delay <= full
