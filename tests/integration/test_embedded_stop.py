"""`python app.py` stops on SIGTERM within 10 s even while its embedded worker steps a runaway
instance (an endless loop): the step stops at its next task boundary and commits."""
from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from tests.integration.engine.limit_diagrams import gateway_loop
from tests.support.databases import backend
from tests.support.embedded import DEADLINE, Browserish, EmbeddedServer, first_admin
from tests.support.services import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]


def _runaway(instance: Path) -> tuple[str, int] | None:
    """(status, engine log rows) of the endless instance once it has run several steps."""
    with sqlite3.connect(instance / "flowdesk.sqlite", timeout=30) as conn:
        row = conn.execute(
            "SELECT i.status, COUNT(e.id) FROM process_instance i "
            "JOIN instance_event e ON e.instance_id = i.id JOIN process_version v ON v.id = i.version_id "
            "JOIN process_definition d ON d.id = v.definition_id WHERE d.key = 'endless' GROUP BY i.id"
        ).fetchone()
    return row if row and row[1] > 100 else None


def test_sigterm_stops_python_app_py_while_a_runaway_instance_runs(tmp_path):
    instance = tmp_path / "instance"
    server = EmbeddedServer(instance).start()
    try:
        web = Browserish(server.url)
        first_admin(web)
        token = web.json("POST", "/api/v1/auth/token",
                         {"email": "boss@example.com", "password": "correct horse 42"})["token"]
        web.json("POST", "/api/v1/me/admin-mode", {"on": True}, token)  # deploying needs the right
        resp = requests.post(f"{server.url}/api/v1/processes", headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("endless.bpmn", gateway_loop("endless", None))}, timeout=30)
        assert resp.status_code == 201, resp.text
        web.json("POST", "/api/v1/contacts", {"last_name": "Runaway"}, token)
        wait_until(lambda: _runaway(instance), DEADLINE, 0.2, "the worker to step the runaway")

        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0, server.log()
        elapsed = time.monotonic() - started
        print(f"python app.py stopped {elapsed:.1f} s after SIGTERM")
        assert elapsed < 10, f"stopped after {elapsed:.1f} s"
        assert "Flowdesk stopped" in server.log()
        assert _runaway(instance)[0] == "running", "the last step committed; the next start goes on"
    finally:
        server.kill()
