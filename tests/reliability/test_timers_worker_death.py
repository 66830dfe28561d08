"""50 timers whose worker dies mid-wait: each fires exactly once.

The instances wait at a short timer; their worker is SIGKILLed before it is due, beat keeps
sending "fire" for the due timers into the queue meanwhile (duplicates pile up), the next
worker is killed again while it fires them, and a last one finishes. Every instance fires
its timer once (one timer log entry, one fired row) and waits at the task after it.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from engine.models import EngineTimer, InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, timer_catch, user_task
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.reliability.fault_rig import wait_settled
from tests.support.services import wait_until

pytestmark = pytest.mark.services
TIMERS = 50
WAIT_SECONDS = 20
WAIT = f"PT{WAIT_SECONDS}S"
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_TIMER_SECONDS": "1",
       "FLOWDESK_ENGINE_STALE_SECONDS": "2"}
DELAYED = chain("delayed_review", timer_catch("Wait", WAIT), user_task("After", "After"))


def _waiting_at_timer() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(EngineTimer).join(ProcessInstance).where(
        EngineTimer.fired_at.is_(None), ProcessInstance.status == "waiting"))


def _per_instance(query) -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(query).all())


def test_fifty_timers_fire_once_although_their_workers_die(api, kicking, celery_cluster):
    deploy(api, DELAYED)
    celery_cluster.beat(**ENV)
    worker = celery_cluster.worker(**ENV)
    started = time.monotonic()
    for n in range(TIMERS):
        create_lead(api, f"Timer {n}")
    wait_until(lambda: _waiting_at_timer() == TIMERS, 120, 0.5, f"{TIMERS} instances at their timer")
    worker.kill()  # mid-wait: no timer is due yet
    print(f"{TIMERS} instances at their timer after {time.monotonic() - started:.1f} s; worker killed")

    # the timers fall due with no worker; beat queues "fire" for them again and again
    time.sleep(max(2.0, started + WAIT_SECONDS + 3 - time.monotonic()))
    second = celery_cluster.worker(**ENV)
    time.sleep(1)
    second.kill()  # most likely while firing
    celery_cluster.worker(**ENV)
    settled = wait_settled("every timer to fire and its instance to wait at the next task")

    fired_rows = _per_instance(select(EngineTimer.instance_id, func.count()).where(
        EngineTimer.fired_at.is_not(None)).group_by(EngineTimer.instance_id))
    timer_logs = _per_instance(select(InstanceEvent.instance_id, func.count()).where(
        InstanceEvent.kind == "timer").group_by(InstanceEvent.instance_id))
    print(f"fired rows per instance: {sorted(set(fired_rows.values()))}, timer log entries per "
          f"instance: {sorted(set(timer_logs.values()))}, total {time.monotonic() - started:.1f} s")
    assert settled.leads == TIMERS
    assert len(fired_rows) == len(timer_logs) == TIMERS
    assert set(fired_rows.values()) == set(timer_logs.values()) == {1}
