"""camunda:failedJobRetryTimeCycle through the real parts: a `celery -A app worker` and `beat`
over Redis retry a failing asyncBefore script task after each PT1S of `R2/PT1S`; the waiting
retry is an engine_timer row that outlives the worker (killed; a new worker and the beat
start), and the incident opens only after the last attempt, with no retries left."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import EngineTimer, Incident, InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.integration.engine.test_retry_cycle import retried
from tests.integration.engine.test_runtime_celery import DEADLINE, ENV
from tests.support.services import wait_until

pytestmark = pytest.mark.services


def _retries(instance_id: int) -> list[int]:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    return [e.data["retries_left"] for e in db.session.scalars(select(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.kind == "retrying")
        .order_by(InstanceEvent.id))]


def _instance() -> ProcessInstance | None:
    db.session.rollback()
    return db.session.scalar(select(ProcessInstance))


def test_the_worker_retries_a_failing_job_per_its_cycle_across_a_restart_then_opens_an_incident(
        api, kicking, celery_cluster):
    deploy(api, retried("flaky", "R2/PT1S", 'camunda:asyncBefore="true"'))
    first = celery_cluster.worker(**ENV)  # the first attempt needs no beat
    create_lead(api)
    instance = wait_until(_instance, DEADLINE, 0.2, "the instance to start")
    wait_until(lambda: _retries(instance.id), DEADLINE, 0.1, "the first failure")
    first.kill()  # the platform dies between two attempts
    db.session.rollback()
    pending = list(db.session.scalars(select(EngineTimer).where(
        EngineTimer.instance_id == instance.id, EngineTimer.element_id == "Compute")))
    assert pending and _instance().status in ("waiting", "error")
    celery_cluster.worker(**ENV)
    celery_cluster.beat(**ENV)
    done = wait_until(lambda: _instance().status == "error" and _instance(), DEADLINE, 0.2,
                      "the retries to run out")
    assert _retries(instance.id) == [2, 1] and "failed 3 times, no retries left" in done.error_message
    (incident,) = db.session.scalars(select(Incident).where(Incident.instance_id == instance.id))
    assert incident.element_id == "Compute" and incident.retries_left == 0 and incident.status == "open"
