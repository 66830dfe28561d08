"""The engine in the embedded mode: `python app.py` (SQLite, embedded broker, worker and beat
threads) installs the standard processes on first start and runs "Process lead" for a lead
created through the API up to its inbox form."""
from __future__ import annotations

import signal

import pytest

from tests.support.databases import backend
from tests.support.embedded import Browserish, EmbeddedServer, first_admin
from tests.support.services import wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]
DEADLINE = 90.0


def test_embedded_run_installs_and_runs_process_lead(tmp_path):
    server = EmbeddedServer(tmp_path / "instance").start()
    try:
        web = Browserish(server.url)
        first_admin(web)
        token = web.json("POST", "/api/v1/auth/token",
                         {"email": "boss@example.com", "password": "correct horse 42"})["token"]
        keys = {p["key"]: p["active"] for p in web.json("GET", "/api/v1/processes", token=token)["items"]}
        assert keys == {"process_lead": True, "perform_in_stages": True}
        lead = web.json("POST", "/api/v1/leads", {"title": "Embedded lead"}, token)

        def waiting() -> list[dict]:
            items = web.json("GET", f"/api/v1/process-instances?entity=lead&entity_id={lead['id']}"
                             "&status=waiting", token=token)["items"]
            return items

        (instance,) = wait_until(waiting, DEADLINE, 0.2, "Process lead to wait at its form")
        detail = web.json("GET", f"/api/v1/process-instances/{instance['id']}", token=token)
        assert detail["current_elements"] == ["Activity_Qualify"]
        inbox = web.json("GET", "/api/v1/inbox", token=token)["items"]
        item = next(i for i in inbox if i["record"] and i["record"]["id"] == lead["id"])
        done = web.json("POST", f"/api/v1/inbox/{item['id']}/complete", {"data": {"decision": "junk"}}, token)
        assert done["state"] == "completed"
        assert web.json("GET", f"/api/v1/leads/{lead['id']}", token=token)["status"] == "JUNK"
        assert server.stop(signal.SIGINT) == 0, server.log()
    finally:
        server.kill()
