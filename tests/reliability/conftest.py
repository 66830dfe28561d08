"""Reliability tests: the real app served by werkzeug (one thread per request) against the test
database, and many independent HTTP clients hitting it at once."""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

CLIENTS = 30


@pytest.fixture
def live_url(app, database_url):
    """The app on a free port, as `make run` serves it but with the test database (wiped by `app`)."""
    from werkzeug.serving import make_server

    from app import create_app
    from config import sqlite_engine_options
    from extensions import celery_init_app

    served = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False, "DEMO_DATA": False,
        "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(database_url),
    })
    server = make_server("127.0.0.1", 0, served, threaded=True)
    server.request_queue_size = 2 * CLIENTS  # the listen backlog: every client connects at once
    thread = threading.Thread(target=server.serve_forever, name="reliability-server", daemon=True)
    quiet = logging.getLogger("werkzeug")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # hundreds of request lines would hide the printed counts
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    quiet.setLevel(level)
    thread.join(timeout=10)
    with served.app_context():
        from extensions import db

        db.engine.dispose()
    celery_init_app(app)  # create_app bound Celery to the served app; give it back


def call(base: str, token: str, method: str, path: str, body: dict | None = None,
         headers: dict | None = None) -> tuple[int, dict, dict]:
    """One request on its own connection: (status, JSON body or {}, headers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            text = resp.read().decode()
            return resp.status, json.loads(text) if text else {}, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        return exc.code, json.loads(text) if text.startswith("{") else {"raw": text}, dict(exc.headers)


def at_once(work: Callable[[int, threading.Barrier], object], n: int = CLIENTS) -> list[object]:
    """Run work(i, barrier) in n threads that wait on the barrier together; their results, in order.
    An exception in a thread is returned as its result (the test asserts on it)."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except Exception as exc:  # handed to the test, which fails on it
            barrier.abort()
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"client-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
