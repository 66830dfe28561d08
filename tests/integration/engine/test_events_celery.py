"""Events through the real parts: Redis, `celery -A app worker` and `celery -A app beat`
subprocesses. Beat fires an interrupting timer event subprocess (the user task's row closes as
cancelled) and starts a timer-start process; a message from the API wakes an instance."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.event_diagrams import (
    event,
    flows,
    process,
    task,
    timer,
    waiting_for_message,
    work_with_event_subprocess,
)
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.integration.engine.test_runtime_celery import DEADLINE, ENV
from tests.support.services import wait_until

pytestmark = pytest.mark.services


def _open(instance_id: int) -> list[str] | None:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    names = sorted(db.session.scalars(select(HumanTask.element_id).where(
        HumanTask.instance_id == instance_id, HumanTask.state == "open")))
    return names or None


def _task_state(instance_id: int, element_id: str) -> str | None:
    db.session.rollback()
    return db.session.scalar(select(HumanTask.state).where(
        HumanTask.instance_id == instance_id, HumanTask.element_id == element_id))


def _started(key: str) -> list[int] | None:
    db.session.rollback()
    from engine.models import ProcessDefinition, ProcessVersion

    ids = list(db.session.scalars(select(ProcessInstance.id).join(ProcessVersion).join(ProcessDefinition)
                                  .where(ProcessDefinition.key == key)))
    return ids or None


def test_worker_and_beat_run_event_subprocesses_messages_and_timer_starts(api, kicking, celery_cluster):
    deploy(api, work_with_event_subprocess("deadline", timer("timeDuration", "PT2S"), interrupting=True))
    deploy(api, waiting_for_message("payments", "payment"))
    deploy(api, process("ticking", event("startEvent", "Tick", timer("timeCycle", "R1/PT2S")) + task("Tock")
                        + event("endEvent", "Done") + flows("Tick", "Tock", "Done")))
    celery_cluster.worker(**ENV)
    celery_cluster.beat(**ENV)
    lead = create_lead(api)
    deadline = api.post("/processes/deadline/start", {"entity": "lead", "id": lead["id"]}).get_json()["id"]
    payments = api.post("/processes/payments/start", {"entity": "lead", "id": lead["id"],
                                                      "business_key": "P-1"}).get_json()["id"]
    assert wait_until(lambda: _open(deadline), DEADLINE, 0.2, "Work to open") == ["Work"]
    wait_until(lambda: _task_state(deadline, "Work") == "cancelled" and _open(deadline) == ["Handle"],
               DEADLINE, 0.2, "the timer event subprocess to interrupt Work")

    def paid() -> object:
        db.session.rollback()
        waiting = db.session.get(ProcessInstance, payments).status == "waiting"
        body = {"name": "payment", "business_key": "P-1"}
        return waiting and api.post("/messages", body).status_code == 200
    wait_until(paid, DEADLINE, 0.2, "the payment to be delivered")
    assert wait_until(lambda: _open(payments), DEADLINE, 0.2, "Ship to open") == ["Ship"]

    (ticking,) = wait_until(lambda: _started("ticking"), DEADLINE, 0.2, "beat to start the timer process")
    assert wait_until(lambda: _open(ticking), DEADLINE, 0.2, "Tock to open") == ["Tock"]
