"""A Redis that dies and comes back empty: leads created meanwhile answer at once, none is lost.

The test runs a redis-server of its own on a free port (the shared one on 6379 is never
touched). While it is down the after-commit kick fails fast and the lead is created
anyway; when Redis is back, empty, beat's sweeps find the work in the database.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import deploy
from tests.reliability.fault_rig import create_lead, wait_settled
from tests.support.services import (
    CHILD,
    CeleryCluster,
    GunicornServer,
    RedisBroker,
    free_port,
    port_open,
    wait_until,
)

pytestmark = pytest.mark.services
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_TIMER_SECONDS": "1",
       "FLOWDESK_ENGINE_STALE_SECONDS": "2"}


class OwnRedis:
    """redis-server on a free port without persistence: a restart starts empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.workdir)]
        log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **CHILD)
        log.close()
        wait_until(lambda: port_open(self.port), 20, 0.05, "redis-server")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


def _leads(base: str, token: str, prefix: str, count: int = 5) -> list[float]:
    answers = [create_lead(base, token, f"{prefix} {i}") for i in range(count)]
    assert [a.status for a in answers] == [201] * count, [a.body for a in answers]
    return [a.seconds for a in answers]


def test_redis_restarting_empty_loses_no_lead(api, database_url, own_redis, tmp_path):
    deploy(api, review_lead())
    cluster = CeleryCluster(database_url, RedisBroker(own_redis.url), tmp_path, ENV)
    try:
        worker = cluster.worker()
        cluster.beat()
        with GunicornServer(cluster.env, tmp_path) as web:
            _leads(web.url, api.token, "Before")
            wait_settled("the first leads to wait at their tasks")

            worker.stop()
            _leads(web.url, api.token, "Queued")  # their kicks wait in Redis, no worker takes them
            own_redis.kill()  # ... and are gone with it
            killed_at = time.monotonic()
            down = _leads(web.url, api.token, "Redis down")
            print("creating a lead while Redis is down took " + ", ".join(f"{s:.2f}" for s in down) + " s")
            time.sleep(2)  # beat's sweeps run into the dead broker too
            own_redis.start()  # empty: every queued message is gone
            print(f"Redis was down {time.monotonic() - killed_at:.1f} s")
            cluster.worker()

            _leads(web.url, api.token, "After")
            settled = wait_settled("every lead to have one instance waiting at one task")
    finally:
        cluster.stop()
    assert settled.leads == 20
