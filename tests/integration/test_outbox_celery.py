"""The outbox relay through the real parts: a Redis broker and `celery -A app worker|beat`
subprocesses on the test database (SQLite file or PostgreSQL), with a test consumer loaded
in the worker (tests/support/consumers.py)."""
from __future__ import annotations

import json
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crm.events import OutboxDelivery, OutboxEvent, record_event
from extensions import db
from tests.support.outbox_probe import CONSUMER, consumer_log
from tests.support.services import GunicornServer, celery_publishing_to, wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous: CI machines are shared; nothing here asserts timing


class OutboxRig:
    """The test app kicks the relay through Redis; helpers read what the worker did."""

    def __init__(self, app, cluster, workdir: Path) -> None:
        self.app = app
        self.cluster = cluster
        self.attempts_path = workdir / "attempts.log"
        self.tasks_path = workdir / "tasks.log"
        self.env = {"FLOWDESK_EXTRA_MODULES": "tests.support.consumers",
                    "FLOWDESK_TEST_ATTEMPTS": str(self.attempts_path),
                    "FLOWDESK_TEST_TASKS": str(self.tasks_path),
                    "FLOWDESK_OUTBOX_SWEEP": "1"}

    def worker(self, **env: str):
        return self.cluster.worker(**self.env, **env)

    def beat(self):
        return self.cluster.beat(**self.env)

    def events(self) -> list[OutboxEvent]:
        db.session.rollback()  # a fresh snapshot: the worker writes from another process
        return list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))

    def wait_all_delivered(self, minimum: int = 1) -> list[OutboxEvent]:
        def done() -> list[OutboxEvent] | None:
            rows = self.events()
            ok = len(rows) >= minimum and all(r.delivered_at is not None for r in rows)
            return rows if ok else None
        return wait_until(done, DEADLINE, 0.2, "every outbox event to be delivered")

    def log_counts(self) -> Counter:
        db.session.rollback()
        return Counter(db.session.scalars(select(consumer_log.c.event_id)))

    def delivery_counts(self) -> Counter:
        db.session.rollback()
        query = select(OutboxDelivery.event_id).where(OutboxDelivery.consumer == CONSUMER)
        return Counter(db.session.scalars(query))

    def attempts(self) -> list[tuple[int, str, int]]:
        if not self.attempts_path.exists():
            return []
        lines = self.attempts_path.read_text().split("\n")
        return [(int(a), b, int(c)) for a, b, c in (line.split() for line in lines if line)]

    def task_result(self, task_id: str) -> str:
        """Wait until the worker finished task `task_id`; return its repr'd return value."""
        def finished() -> str | None:
            text = self.tasks_path.read_text() if self.tasks_path.exists() else ""
            for line in text.splitlines():
                if line.startswith(task_id + " "):
                    return line.split(" ", 2)[2]
            return None
        return wait_until(finished, DEADLINE, 0.1, f"task {task_id}")


@pytest.fixture
def rig(app, celery_cluster, redis_broker, tmp_path):
    consumer_log.create(db.engine, checkfirst=True)
    with db.engine.begin() as conn:
        conn.execute(consumer_log.delete())
    app.config["OUTBOX_KICK"] = "celery"
    try:
        with celery_publishing_to(redis_broker):
            yield OutboxRig(app, celery_cluster, tmp_path)
    finally:
        app.config["OUTBOX_KICK"] = "none"
        db.session.rollback()


def _create_leads(api, titles: list[str]) -> list[int]:
    ids = []
    for title in titles:
        r = api.post("/leads", {"title": title})
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])
    return ids


def test_worker_relays_each_event_to_its_consumers(api, rig):
    rig.worker()
    lead_id = _create_leads(api, ["First"])[0]
    assert api.patch(f"/leads/{lead_id}", {"status": "IN_PROCESS"}).status_code == 200
    assert api.post("/companies", {"title": "ACME"}).status_code == 201
    events = rig.wait_all_delivered(minimum=3)
    types = [e.type for e in events]
    assert {"lead.created", "lead.updated", "company.created"} <= set(types)
    assert rig.log_counts() == Counter({e.id: 1 for e in events})
    assert rig.delivery_counts() == Counter()  # all went well: the fast path writes no delivery rows


def test_redelivery_is_harmless(api, rig):
    from crm.tasks import deliver_one, relay_outbox

    rig.worker()
    _create_leads(api, ["Once"])
    events = rig.wait_all_delivered()
    target = events[-1]
    # The same event handed out again; then left as a partial failure leaves it: undelivered,
    # tried once, the test consumer's delivery row written (the work and the row commit together).
    first, second = deliver_one.delay(target.id), deliver_one.delay(target.id)
    assert rig.task_result(first.id) == "False" and rig.task_result(second.id) == "False"
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id == target.id)
                       .values(delivered_at=None, attempts=1))
    db.session.add(OutboxDelivery(event_id=target.id, consumer=CONSUMER))
    db.session.commit()
    rig.task_result(relay_outbox.delay().id)
    events = rig.wait_all_delivered()
    assert rig.log_counts() == Counter({e.id: 1 for e in events})
    assert rig.delivery_counts()[target.id] == 1


def test_no_event_is_visible_before_its_transaction_commits(api, rig):
    from crm.tasks import relay_outbox

    rig.worker()
    _create_leads(api, ["Before"])
    before = rig.wait_all_delivered()
    event_id = record_event("lead.updated", "lead", before[-1].entity_id, {"title": ["a", "b"]}, actor=None)
    # written (a read in the transaction sends a deferred row first), not committed
    pending = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.event_id == event_id))
    assert rig.task_result(relay_outbox.delay().id) == "0"
    assert pending not in {a[0] for a in rig.attempts()}
    db.session.commit()  # the kick goes out after the commit
    events = rig.wait_all_delivered(minimum=len(before) + 1)
    assert events[-1].id == pending
    assert rig.log_counts()[pending] == 1


def test_no_event_is_lost_when_processes_die(api, rig):
    """A worker killed mid-relay, and commits whose kick never left: all delivered once."""
    doomed = rig.worker(FLOWDESK_TEST_CONSUMER_HANG="1")
    _create_leads(api, ["A", "B", "C"])
    hung = wait_until(rig.attempts, DEADLINE, 0.1, "the consumer to start")[0]
    doomed.kill()  # kill -9 while the consumer is inside the relay's transaction
    rig.app.config["OUTBOX_KICK"] = "none"  # as if the web process died right after commit
    _create_leads(api, ["D", "E"])
    rig.app.config["OUTBOX_KICK"] = "celery"
    assert rig.events()[-1].delivered_at is None
    rescuer = rig.worker()
    rig.beat()  # sweeps the outbox every second
    events = rig.wait_all_delivered(minimum=5)
    assert rig.log_counts() == Counter({e.id: 1 for e in events})
    assert rig.delivery_counts() == Counter()  # all went well: the fast path writes no delivery rows
    tries = [a for a in rig.attempts() if a[0] == hung[0]]
    assert tries[0][2] == doomed.proc.pid and tries[-1][2] == rescuer.proc.pid
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(consumer_log)) == len(events)


def test_scaled_out_gunicorn_web_and_celery_worker(api, rig, tmp_path):
    """The scaled-out mode: gunicorn web processes kick a separate worker through Redis."""
    rig.worker()
    with GunicornServer(rig.cluster.env, tmp_path) as web:
        req = urllib.request.Request(
            f"{web.url}/api/v1/leads", data=json.dumps({"title": "Via gunicorn"}).encode(), method="POST",
            headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 201
            lead_id = json.loads(resp.read())["id"]
        events = rig.wait_all_delivered()
    created = [e for e in events if e.type == "lead.created" and e.entity_id == lead_id]
    assert len(created) == 1 and rig.log_counts()[created[0].id] == 1
