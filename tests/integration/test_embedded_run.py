"""`python app.py`: one process with SQLite, an embedded broker, worker and beat threads."""
from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.support.databases import backend
from tests.support.embedded import DEADLINE, Browserish, EmbeddedServer, first_admin
from tests.support.services import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def _delivered_at(instance: Path, lead_id: int) -> str | None:
    with sqlite3.connect(instance / "flowdesk.sqlite", timeout=30) as conn:
        row = conn.execute("SELECT delivered_at FROM outbox_event WHERE type = 'lead.created' "
                           "AND entity_id = ?", (lead_id,)).fetchone()
    return row[0] if row else None


def _periodic_jobs_run(instance: Path) -> bool:
    """Whether the worker took a timers job beat sent (the broker keeps consumed rows a minute)."""
    with sqlite3.connect(instance / "broker.sqlite", timeout=30) as conn:
        return bool(conn.execute("SELECT count(*) FROM kombu_message WHERE visible = 0 "
                                 "AND payload LIKE '%engine.fire_due_timers%'").fetchone()[0])


def test_python_app_py_serves_relays_and_stops(instance):
    server = EmbeddedServer(instance).start()
    try:
        web = Browserish(server.url)
        first_admin(web)
        token = web.json("POST", "/api/v1/auth/token",
                         {"email": "boss@example.com", "password": "correct horse 42"})["token"]
        lead = web.json("POST", "/api/v1/leads", {"title": "From the embedded run"}, token)
        wait_until(lambda: _delivered_at(instance, lead["id"]), DEADLINE, 0.1,
                   "the in-process worker to deliver lead.created")
        # the in-process worker and beat beat: the one process is ready on its own
        wait_until(lambda: web.request("GET", "/readyz")[0] == 200, DEADLINE, 0.2, "/readyz 200")
        wait_until(lambda: _periodic_jobs_run(instance), DEADLINE, 0.2, "beat's timers job to run")
        assert server.stop(signal.SIGINT) == 0, server.log()
        assert "Flowdesk stopped" in server.log()
        # the console shows requests and jobs that say something, not beat's routine every 2 s
        assert "POST /api/v1/leads 201" in server.log()
        assert "Sending due task" not in server.log() and "job engine.fire_due_timers" not in server.log()
    finally:
        server.kill()
    again = EmbeddedServer(instance).start()  # a second start keeps the data
    try:
        web = Browserish(again.url)
        assert web.json("GET", f"/api/v1/leads/{lead['id']}", token=token)["title"] == "From the embedded run"
        status, _page, url = web.request("GET", "/setup")  # the first account exists now
        assert status == 200 and url.endswith("/login")
        assert again.stop(signal.SIGTERM) == 0, again.log()
    finally:
        again.kill()


def test_purge_removes_consumed_broker_messages_only(tmp_path):
    from kombu import Connection

    from embedded import purge_consumed_messages

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("purge-test")
        queue.put({"n": 1})
        queue.put({"n": 2})
        queue.get(timeout=5).ack()
        assert purge_consumed_messages(url) == 1
        assert purge_consumed_messages(url) == 0
        assert queue.get(timeout=5).payload == {"n": 2}
        queue.close()
