"""Issue 18.5: a runaway script in `python app.py` ends as an error while every page keeps answering."""
from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.integration.engine.diagrams import chain, script_task
from tests.support.databases import backend
from tests.support.embedded import DEADLINE, Browserish, EmbeddedServer, first_admin

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]
RUNAWAYS = 3


def upload(web: Browserish, token: str, xml: bytes) -> None:
    """POST /api/v1/processes with the diagram as multipart field `file`."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"spin.bpmn\"\r\n"
            "Content-Type: application/xml\r\n\r\n").encode() + xml + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(web.base + "/api/v1/processes", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 201
    except urllib.error.HTTPError as exc:
        raise AssertionError(exc.read().decode()) from None


def test_pages_answer_while_runaway_scripts_are_stopped(tmp_path):
    server = EmbeddedServer(tmp_path / "instance").start()
    try:
        web = Browserish(server.url)
        first_admin(web)
        token = web.json("POST", "/api/v1/auth/token",
                         {"email": "boss@example.com", "password": "correct horse 42"})["token"]
        assert web.json("POST", "/api/v1/me/admin-mode", {"on": True}, token) == {"admin_mode": True}
        upload(web, token, chain("spinner", script_task("Spin", "x = sum(range(6 * 10**9))")))
        leads = [web.json("POST", "/api/v1/leads", {"title": f"Runaway {n}"}, token)["id"]
                 for n in range(RUNAWAYS)]
        latencies, instances = _fetch_pages_until_settled(web, token, leads)
        print(f"\n{len(latencies)} page fetches while {RUNAWAYS} runaway scripts ran and were stopped; "
              f"max latency {max(latencies) * 1000:.0f} ms")
        assert len(instances) == RUNAWAYS
        for found in instances:
            assert found["status"] == "error", found
            assert found["error_element"] == "Spin"
            assert "time limit of 1 s exceeded" in found["error_message"], found["error_message"]
        assert server.stop(signal.SIGTERM) == 0, server.log()
    finally:
        server.kill()


def _fetch_pages_until_settled(web: Browserish, token: str, leads: list[int]
                               ) -> tuple[list[float], list[dict]]:
    """Fetch a web page and an API page in turn until every instance has ended; every fetch must succeed."""
    latencies: list[float] = []
    items: list[dict] = []
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        for path, bearer in (("/leads", None), ("/api/v1/process-instances?entity=lead", token)):
            began = time.monotonic()
            status, body, _url = web.request("GET", path, token=bearer)
            latencies.append(time.monotonic() - began)
            assert status == 200, (path, status, body[:300])
        items = [item for lead in leads for item in web.json(
            "GET", f"/api/v1/process-instances?entity=lead&entity_id={lead}", token=token)["items"]
            if item["key"] == "spinner"]  # "Process lead" starts too
        if len(items) == RUNAWAYS and all(item["status"] not in ("running", "waiting") for item in items):
            return latencies, items
    raise AssertionError(f"the runaway scripts were not stopped within {DEADLINE} s: {items}")
