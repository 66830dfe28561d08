"""PostgreSQL pool: a ping only for a connection that idled long or that the server closed."""
from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import create_engine, text

from dbpool import install_idle_ping
from tests.support.databases import PG_ADMIN_URL, backend, ensure_postgres

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="a PostgreSQL pool: PostgreSQL pass")


@pytest.fixture
def engine():
    ensure_postgres()
    engine = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), pool_size=1)
    yield engine
    engine.dispose()


def _counting_pings(engine, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def do_ping(dbapi_conn):
        pings.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    return pings


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_no_ping_for_a_connection_back_from_recent_use(engine, monkeypatch):
    install_idle_ping(engine, idle_seconds=60)
    pings = _counting_pings(engine, monkeypatch)
    pids = {_backend_pid(engine) for _ in range(5)}
    assert len(pids) == 1 and pings == []


def test_a_connection_idle_too_long_is_pinged(engine, monkeypatch):
    install_idle_ping(engine, idle_seconds=0.05)
    pings = _counting_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    time.sleep(0.1)
    assert _backend_pid(engine) == first and len(pings) == 1


def test_a_connection_the_server_closed_is_replaced_before_use(engine, monkeypatch):
    """No idle time passed, yet its socket tells: the pool connects afresh, the query works."""
    install_idle_ping(engine, idle_seconds=60)
    pings = _counting_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    time.sleep(0.2)  # the server's FATAL message and close reach the socket
    assert _backend_pid(engine) != first
    assert len(pings) == 1  # the failed ping; the new connection was not pinged
