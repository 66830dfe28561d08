"""`python app.py` started for real in a test, and a cookie/CSRF-aware HTTP client for it."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support.services import BASE_DIR, free_port, wait_until

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


def first_admin(web: Browserish) -> None:
    status, page, url = web.request("GET", "/")  # an empty database asks for the first account
    assert status == 200 and url.endswith("/setup") and 'name="csrf_token"' in page, page[:500]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"csrf_token": token.group(1) or token.group(2), "email": "boss@example.com",
            "password": "correct horse 42", "first_name": "Bea", "last_name": "Boss"}
    status, page, url = web.request("POST", "/setup", form, form=True)
    assert status == 200 and not url.endswith("/setup"), page[:500]  # into the portal, logged in
