"""Heartbeat threads: a worker or beat process writes its row every few seconds.

Celery's own heartbeats live in the broker and only between workers; readiness (/readyz), the
system page and `flask status` need "is anything consuming, is beat ticking" from the one place
every process can reach: the database.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import create_engine, delete, insert, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

import config
from extensions import db
from ops.models import ServiceHeartbeat
from org.models import utcnow
from transactions import unit_of_work

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 15.0
FORGET_AFTER = timedelta(days=1)  # rows of processes gone this long are dropped
_threads: dict[str, HeartbeatThread] = {}


def process_name(kind: str) -> str:
    """`kind@host:pid`: one row per process."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def write_heartbeat(name: str, kind: str, started_at: datetime) -> None:
    """Insert or refresh a process's row through the app's session (one unit of work)."""
    with unit_of_work():
        _upsert(db.session.connection(), name, kind, started_at)


class HeartbeatThread(threading.Thread):
    """Writes the heartbeat now and then every `interval` seconds until stopped."""

    def __init__(self, app: Flask, kind: str, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(name=f"heartbeat-{kind}", daemon=True)
        self.app, self.kind, self.interval = app, kind, interval
        self.heartbeat_name = process_name(kind)
        self.started_at = utcnow()
        self.stopping = threading.Event()
        self.engine: Engine | None = None

    def run(self) -> None:
        while True:
            self.beat_once()
            if self.stopping.wait(self.interval):
                return

    def beat_once(self) -> None:
        """One heartbeat; a database that is away or busy for a moment is only logged.

        A connection of its own (no pool) with a short busy timeout: the heartbeat never waits
        long for SQLite's write lock and never shares a pooled connection with the worker."""
        try:
            if self.engine is None:
                url = self.app.config["SQLALCHEMY_DATABASE_URI"]
                args = {"timeout": 2} if url.startswith("sqlite") else {"connect_timeout": 5}
                self.engine = create_engine(url, poolclass=NullPool, connect_args=args)
            with self.engine.begin() as conn:
                _upsert(conn, self.heartbeat_name, self.kind, self.started_at)
        except Exception as exc:
            log.warning("heartbeat of %s not written: %s", self.heartbeat_name, exc)


def _upsert(conn: Connection, name: str, kind: str, started_at: datetime) -> None:
    table, now = ServiceHeartbeat.__table__, utcnow()
    if conn.execute(update(table).where(table.c.name == name).values(seen_at=now)).rowcount:
        return
    conn.execute(delete(table).where(table.c.seen_at < now - FORGET_AFTER))
    conn.execute(insert(table).values(name=name, kind=kind, hostname=socket.gethostname(), pid=os.getpid(),
                                      version=config.VERSION, started_at=started_at, seen_at=now))


def start(app: Flask, kind: str) -> None:
    """Start this process's heartbeat thread of `kind` (once)."""
    if kind in _threads and _threads[kind].is_alive():
        return
    interval = float(app.config.get("HEARTBEAT_SECONDS", INTERVAL_SECONDS))
    _threads[kind] = HeartbeatThread(app, kind, interval)
    _threads[kind].start()


def stop(kind: str | None = None) -> None:
    """Stop this process's heartbeat threads (all, or one kind)."""
    for name in [kind] if kind else list(_threads):
        thread = _threads.pop(name, None)
        if thread is not None:
            thread.stopping.set()


def install_celery_signals() -> None:
    """A Celery worker and beat started from the command line beat on their own."""
    from celery import signals

    def flask_app() -> Flask:
        from extensions import celery
        return celery.flask_app

    signals.worker_ready.connect(lambda **_: start(flask_app(), "worker"), weak=False,
                                 dispatch_uid="flowdesk-heartbeat-worker")
    signals.worker_shutdown.connect(lambda **_: stop("worker"), weak=False,
                                    dispatch_uid="flowdesk-heartbeat-worker-stop")
    signals.beat_init.connect(lambda **_: start(flask_app(), "beat"), weak=False,
                              dispatch_uid="flowdesk-heartbeat-beat")
