"""No diagram stops the platform, through the real parts: a `celery -A app worker` (one thread)
over Redis steps an endless loop and a process calling itself, and 20 ordinary instances
started meanwhile still complete; the runaways end as incidents, never "completed". And the
writes of a repeating timer's branch (fired by beat) are still there when the instance ends."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import ProcessDefinition, ProcessInstance, ProcessVersion
from extensions import db
from tests.integration.engine.limit_diagrams import calls, gateway_loop, ordinary, reminders, self_calling
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.support.services import wait_until

pytestmark = pytest.mark.services
DEADLINE = 180.0  # generous for a shared machine; nothing here asserts timing
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_STALE_SECONDS": "5",
       "FLOWDESK_ENGINE_INSTANCE_TASKS": "20000"}


def _of(key: str) -> list[ProcessInstance]:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    return list(db.session.scalars(select(ProcessInstance).join(ProcessVersion).join(ProcessDefinition)
                                   .where(ProcessDefinition.key == key).order_by(ProcessInstance.id)))


def _statuses(key: str) -> list[str]:
    return [i.status for i in _of(key)]


def test_runaways_end_as_incidents_while_ordinary_instances_complete(api, kicking, celery_cluster):
    deploy(api, gateway_loop("endless", None))
    deploy(api, self_calling("looping"))
    deploy(api, calls("recursion", "looping"))
    deploy(api, ordinary("ordinary"))
    worker = celery_cluster.worker(**ENV)
    assert api.post("/contacts", {"last_name": "Runaway"}).status_code == 201
    wait_until(lambda: _statuses("endless") == ["running"] and len(_of("looping")) >= 1, DEADLINE, 0.2,
               "the runaways to be stepped")
    for n in range(20):
        create_lead(api, f"Ordinary {n}")
    wait_until(lambda: _statuses("ordinary") == ["completed"] * 20, DEADLINE, 0.2,
               "20 ordinary instances to complete beside the runaways")

    [endless] = wait_until(lambda: [i for i in _of("endless") if i.status == "error"] or None, DEADLINE, 0.5,
                           "the endless loop to hit its instance limit")
    assert endless.error_element in ("Inc", "More")
    assert "FLOWDESK_ENGINE_INSTANCE_TASKS=20,000" in endless.error_message
    deepest = wait_until(lambda: [i for i in _of("looping") if i.status == "error"] or None, DEADLINE, 0.5,
                         "the recursion to hit the call depth limit")
    assert "call depth limit of 10" in deepest[0].error_message and deepest[0].error_element == "Again"
    assert "completed" not in _statuses("looping") + _statuses("recursion") + _statuses("endless")
    assert "engine.run_instance" in worker.log()


def test_a_repeating_timer_branch_keeps_its_variables_until_the_end(api, kicking, celery_cluster):
    from engine.models import HumanTask

    deploy(api, reminders())
    env = {**ENV, "FLOWDESK_ENGINE_TIMER_SECONDS": "1"}
    celery_cluster.worker(**env)
    celery_cluster.beat(**env)
    create_lead(api, "Reminded")
    [instance] = wait_until(lambda: _of("reminders") or None, DEADLINE, 0.2, "the instance to start")

    def reminded() -> int | None:
        db.session.rollback()  # a fresh snapshot: the worker writes from another process
        variables = api.get(f"/process-instances/{instance.id}").get_json()["variables"]
        return variables.get("reminders") if variables.get("reminders") == 3 else None

    wait_until(reminded, DEADLINE, 0.5, "the R3/PT1S timer to fire three times")
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                     HumanTask.state == "open"))
    assert api.post(f"/inbox/{task.id}/complete", {"data": {}}).status_code == 200
    wait_until(lambda: _statuses("reminders") == ["completed"], DEADLINE, 0.2, "the instance to complete")
    db.session.rollback()
    detail = api.get(f"/process-instances/{instance.id}").get_json()
    assert detail["variables"]["reminders"] == 3  # the timer branch's writes survived its end
