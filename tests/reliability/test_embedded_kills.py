"""The embedded `python app.py` SIGKILLed at random moments while leads are created, and restarted.

One process holds the web server, the worker and beat threads, SQLite and the SQLite broker;
killing it loses whatever was in flight. After 10 kills and a last start, every lead has
exactly one instance of the standard "Process lead" process, waiting at one inbox task.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.reliability.fault_rig import call, wait_settled
from tests.support.databases import backend
from tests.support.embedded import Browserish, EmbeddedServer
from tests.support.services import BASE_DIR

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "sqlite", reason="the embedded mode is SQLite-only (SQLite pass)"),
]
KILLS = 10
EMAIL, PASSWORD = "boss@example.com", "correct horse 42"


def _flask(instance, *args: str) -> None:
    """`flask --app app ...` on the embedded defaults of `instance` (as an operator would)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"} and not k.startswith("FLOWDESK_")}
    env["FLOWDESK_INSTANCE"] = str(instance)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _create_until_killed(server: EmbeddedServer, token: str, rng: random.Random, tally: dict) -> None:
    """Create leads until a SIGKILL at a random moment ends the process (mid-request, likely)."""
    killer = threading.Timer(rng.uniform(0.3, 3.0), server.kill)
    killer.start()
    while server.proc.poll() is None:
        answer = call(server.url, "POST", "/api/v1/leads", token, {"title": f"Lead {sum(tally.values())}"})
        tally[answer.status] = tally.get(answer.status, 0) + 1
    killer.join()


def test_embedded_process_killed_ten_times(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    _flask(instance, "setup")
    _flask(instance, "user", "create", EMAIL, "--password", PASSWORD, "--admin")
    rng, tally, started = random.Random(), {}, time.monotonic()
    token = None
    for _ in range(KILLS):
        server = EmbeddedServer(instance).start()
        try:
            token = token or Browserish(server.url).json(
                "POST", "/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD})["token"]
            _create_until_killed(server, token, rng, tally)
        finally:
            server.kill()
    print(f"{KILLS} SIGKILLs in {time.monotonic() - started:.1f} s; answers (0: refused or cut): {tally}")

    last = EmbeddedServer(instance).start()
    engine = create_engine(f"sqlite:///{instance / 'flowdesk.sqlite'}", connect_args={"timeout": 30})
    try:
        with Session(engine) as session:
            settled = wait_settled("every lead to have one instance waiting at one task", session=session)
    finally:
        last.kill()
        engine.dispose()
    assert tally.get(201, 0) > 0
    assert settled.leads >= tally[201]  # every answered lead is there (and those cut mid-answer)
