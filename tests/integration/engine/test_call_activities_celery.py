"""A cross-file call activity through the real parts: a `celery -A app worker` over Redis runs
the parent and the child; the child's task completed through the inbox resumes the parent."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.integration.engine.test_call_activities import APPROVAL, ORDER
from tests.support.services import wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous for a shared machine; nothing here asserts timing
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_STALE_SECONDS": "1"}


def _open_task(element_id: str) -> HumanTask | None:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    return db.session.scalar(select(HumanTask).where(HumanTask.element_id == element_id,
                                                     HumanTask.state == "open"))


def test_worker_runs_the_child_and_the_child_resumes_the_parent(api, kicking, celery_cluster):
    deploy(api, APPROVAL)
    deploy(api, ORDER)
    celery_cluster.worker(**ENV)
    create_lead(api, "Through the worker")
    task = wait_until(lambda: _open_task("Approve"), DEADLINE, 0.2, "the child to wait at Approve")
    child = db.session.get(ProcessInstance, task.instance_id)
    assert child.parent_instance_id is not None and child.parent_element_id == "Call"

    resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "fine"}})
    assert resp.status_code == 200, resp.get_json()
    ship = wait_until(lambda: _open_task("Ship"), DEADLINE, 0.2, "the parent to resume at Ship")
    assert ship.instance_id == child.parent_instance_id
    detail = api.get(f"/process-instances/{ship.instance_id}").get_json()
    assert (detail["variables"]["score"], detail["variables"]["verdict"]) == (42, "fine")
    assert detail["children"][0]["status"] == "completed"
