"""Readiness and correlation ids through the real parts: `celery -A app worker|beat` subprocesses
on the test database and a Redis broker."""
from __future__ import annotations

import pytest

from extensions import db
from tests.support.services import wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous: nothing here asserts timing


def _ready(client) -> bool:
    db.session.rollback()  # the worker and beat write from other processes
    return client.get("/readyz").status_code == 200


def test_worker_and_beat_make_it_ready_and_carry_the_request_id(api, client, celery_cluster, kicking):
    assert not _ready(client)
    worker = celery_cluster.worker()
    celery_cluster.beat()
    wait_until(lambda: _ready(client), DEADLINE, 0.2, "/readyz to answer 200")
    checks = client.get("/readyz").json["checks"]
    assert checks["worker"]["alive"] == 1 and checks["beat"]["alive"] == 1
    made = api.post("/leads", {"title": "Traced"}, headers={"X-Request-ID": "trace-celery-7"})
    assert made.status_code == 201
    # the kick published by the request carries the id; the worker's job line says it
    wait_until(lambda: "[trace-celery-7]" in worker.log() and "job crm.relay_outbox" in worker.log(),
               DEADLINE, 0.2, "the worker's log line with the request's id")
    worker.stop()
    db.session.rollback()
    status = api.get("/system/status").json
    assert {beat["kind"] for beat in status["heartbeats"]} == {"worker", "beat"}
