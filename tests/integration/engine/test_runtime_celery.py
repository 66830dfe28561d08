"""The engine through the real parts: Redis and `celery -A app worker|beat` subprocesses on the
test database. A lead created through the API ends with an instance waiting at its first user
task; beat fires a timer and re-dispatches an instance whose kick was lost."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, review_lead, timer_catch, user_task
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.support.services import wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous for a shared machine; nothing here asserts timing
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_TIMER_SECONDS": "1",
       "FLOWDESK_ENGINE_STALE_SECONDS": "1"}


def _waiting_with_task(entity_id: int, entity: str = "lead") -> tuple[ProcessInstance, HumanTask] | None:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.entity == entity, ProcessInstance.entity_id == entity_id))
    if instance is None or instance.status != "waiting":
        return None
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                     HumanTask.state == "open"))
    return (instance, task) if task is not None else None


def test_lead_created_through_the_api_waits_at_its_first_user_task(api, kicking, celery_cluster):
    deploy(api, review_lead())
    worker = celery_cluster.worker(**ENV)
    lead = create_lead(api, "Through the worker")
    instance, task = wait_until(lambda: _waiting_with_task(lead["id"]), DEADLINE, 0.2,
                                "the instance to wait at its user task")
    assert task.element_id == "Review" and instance.start_event_id is not None
    assert "crm.relay_outbox" in worker.log()  # the relaying worker ran the step itself

    resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 200
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"


def test_beat_fires_a_timer_and_redispatches_a_lost_kick(api, app, kicking, celery_cluster):
    from engine.models import ProcessVersion
    from engine.triggers import load_record_dict, start_instance

    deploy(api, chain("delayed", timer_catch("Wait", "PT1S"), user_task("After", "After")))
    celery_cluster.worker(**ENV)
    celery_cluster.beat(**ENV)
    lead = create_lead(api, "Timer")
    wait_until(lambda: _waiting_with_task(lead["id"]), DEADLINE, 0.2, "the timer to fire")

    # An instance whose run was never enqueued (its kick lost): beat finds it in the database.
    app.config["OUTBOX_KICK"] = "none"
    other = api.post("/contacts", {"last_name": "Lost kick"}).get_json()  # no process starts on it
    version = db.session.scalar(select(ProcessVersion))
    start_instance(version, "contact", other["id"], record=load_record_dict("contact", other["id"]),
                   start_message="lead.created", event={"type": "manual", "changes": {}},
                   initiator=None)
    db.session.commit()
    assert _waiting_with_task(other["id"], "contact") is None
    wait_until(lambda: _waiting_with_task(other["id"], "contact"), DEADLINE, 0.2,
               "the swept instance to run")
