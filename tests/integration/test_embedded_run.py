"""`python app.py`: one process with SQLite, an embedded broker, worker and beat threads."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.support.databases import backend
from tests.support.services import BASE_DIR, free_port, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]
DEADLINE = 90.0


class Browserish:
    """Cookies and CSRF tokens over plain HTTP, like a browser without JavaScript."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, data: dict | None = None, token: str | None = None,
                form: bool = False) -> tuple[int, str, str]:
        """Return (status, body, the URL after redirects)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = None
        if data is not None and form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.read().decode(), resp.geturl()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), exc.geturl()

    def json(self, method: str, path: str, data: dict | None = None, token: str | None = None) -> dict:
        status, text, _url = self.request(method, path, data, token)
        assert status < 300, (status, text)
        return json.loads(text)


class EmbeddedServer:
    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.port = free_port()
        self.log_path = instance.parent / f"run-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedServer:
        drop = {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
        env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("FLOWDESK_")}
        env.update(FLOWDESK_INSTANCE=str(self.instance), FLOWDESK_PORT=str(self.port))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=BASE_DIR, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._serving, DEADLINE, 0.1, "python app.py to print its URL")
        return self

    def _serving(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"app.py exited ({self.proc.returncode}):\n{self.log()}")
        return self.url in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(DEADLINE)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def _delivered_at(instance: Path, lead_id: int) -> str | None:
    with sqlite3.connect(instance / "flowdesk.sqlite", timeout=30) as conn:
        row = conn.execute("SELECT delivered_at FROM outbox_event WHERE type = 'lead.created' "
                           "AND entity_id = ?", (lead_id,)).fetchone()
    return row[0] if row else None


def _first_admin(web: Browserish) -> None:
    status, page, url = web.request("GET", "/")  # an empty database asks for the first account
    assert status == 200 and url.endswith("/setup") and 'name="csrf_token"' in page, page[:500]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"csrf_token": token.group(1) or token.group(2), "email": "boss@example.com",
            "password": "correct horse 42", "first_name": "Bea", "last_name": "Boss"}
    status, page, url = web.request("POST", "/setup", form, form=True)
    assert status == 200 and not url.endswith("/setup"), page[:500]  # into the portal, logged in


def test_python_app_py_serves_relays_and_stops(instance):
    server = EmbeddedServer(instance).start()
    try:
        web = Browserish(server.url)
        _first_admin(web)
        token = web.json("POST", "/api/v1/auth/token",
                         {"email": "boss@example.com", "password": "correct horse 42"})["token"]
        lead = web.json("POST", "/api/v1/leads", {"title": "From the embedded run"}, token)
        wait_until(lambda: _delivered_at(instance, lead["id"]), DEADLINE, 0.1,
                   "the in-process worker to deliver lead.created")
        assert server.stop(signal.SIGINT) == 0, server.log()
        assert "Flowdesk stopped" in server.log()
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
