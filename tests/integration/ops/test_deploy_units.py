"""The shipped systemd units (deploy/systemd) started as their ExecStart lines are written:
set-up, gunicorn, a Celery worker and beat come up ready and stop on SIGTERM in time."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support.databases import backend
from tests.support.services import BASE_DIR, CHILD, free_port, stop_process, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "postgresql",
                       reason="the shipped units run on PostgreSQL (PostgreSQL pass)"),
]
UNITS = BASE_DIR / "deploy" / "systemd"


def unit(name: str) -> dict[str, str]:
    """The [Service] keys of a unit file (the last value of a key wins, as in systemd)."""
    values, section = {}, None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def command(name: str, port: int, state: Path) -> list[str]:
    """ExecStart with this checkout for /opt/flowdesk, a free port and the test's state folder."""
    line = unit(name)["ExecStart"].replace("/opt/flowdesk", str(BASE_DIR)).replace("%%", "%")
    line = line.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace("/var/lib/flowdesk", str(state))
    return shlex.split(line)


def environment(database_url: str, broker, state: Path) -> dict[str, str]:
    """deploy/flowdesk.env.example with the test's database, broker and folders."""
    env = dict(os.environ)
    for line in (BASE_DIR / "deploy" / "flowdesk.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env.update(DATABASE_URL=database_url, FLOWDESK_INSTANCE=str(state), SECRET_KEY="unit-test-key",
               FLOWDESK_BACKUP_DIR="", **broker.env())
    return env


def test_the_shipped_units_start_ready_and_stop(database_url, redis_broker, tmp_path):
    state, port = tmp_path / "state", free_port()
    state.mkdir()
    env = environment(database_url, redis_broker, state)
    assert unit("flowdesk-web.service")["EnvironmentFile"] == "/etc/flowdesk/flowdesk.env"
    setup = subprocess.run(command("flowdesk-setup.service", port, state), cwd=BASE_DIR, env=env,
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stderr[-2000:]
    started = {}
    try:
        for name in ("flowdesk-web.service", "flowdesk-worker.service", "flowdesk-beat.service"):
            log = open(tmp_path / f"{name}.log", "wb")
            started[name] = subprocess.Popen(command(name, port, state), cwd=BASE_DIR, env=env,
                                             stdout=log, stderr=subprocess.STDOUT, **CHILD)
        url = f"http://127.0.0.1:{port}/readyz"
        wait_until(lambda: _ready(url), 120, 0.5, "/readyz behind the shipped units")
    finally:
        for name, proc in started.items():
            limit = float(unit(name)["TimeoutStopSec"])
            stop_process(proc, timeout=limit)
            assert proc.returncode in (0, -15), (name, (tmp_path / f"{name}.log").read_text()[-2000:])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.loads(answer.read())["ready"] is True
    except OSError:
        return False
