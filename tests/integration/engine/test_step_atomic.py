"""A step is one transaction: what its service tasks wrote is rolled back with it.

On SQLite, a savepoint sent before the unit of work's first write used to start a transaction of
its own, and releasing it committed the activity's writes at once: a step that failed (or lost a
race, or whose worker was killed) after its service task left the activity's comment behind, and
a pending start, rebuilt with new task ids, ran the activity again (a second comment).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from crm.events import relay_pending
from crm.models import TimelineEntry
from engine import runtime
from engine.models import ActivityRun
from engine.states import InstanceStatus
from extensions import db
from tests.integration.engine.diagrams import chain, enum_field, service_task, user_task
from tests.integration.engine.runtime_support import create_lead, deploy, instances, open_tasks
from transactions import unit_of_work

COMMENT_THEN_REVIEW = chain(
    "comment_then_review_atomic",
    service_task("Comment", "crm.add_comment", entity="lead", id="${record.id}", text="Seen"),
    user_task("Review", "Review lead", fields=enum_field("verdict", "good", "bad")),
    message="lead.created")


def _comments(lead_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(TimelineEntry).where(
        TimelineEntry.entity == "lead", TimelineEntry.record_id == lead_id,
        TimelineEntry.kind == "comment"))


def test_a_step_failing_after_its_service_task_keeps_nothing_the_task_wrote(api, monkeypatch):
    deploy(api, COMMENT_THEN_REVIEW)
    create_lead(api, title="Built in full")  # the version's first start: later ones are pending
    lead = create_lead(api, title="Pending")
    relay_pending()
    instance = instances()[-1]
    db.session.commit()

    def defect(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a defect after the activity ran")

    monkeypatch.setattr(runtime, "_sync_waits", defect)
    assert runtime.run_instance(instance.id) == InstanceStatus.ERROR
    assert _comments(lead["id"]) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityRun).where(
        ActivityRun.instance_id == instance.id)) == 0

    monkeypatch.undo()  # the administrator's retry: the activity runs once, now for good
    query = {"key": "comment_then_review_atomic"}
    (incident,) = api.get("/incidents", query_string=query).get_json()["items"]
    assert api.post(f"/incidents/{incident['id']}/retry").status_code == 200
    runtime.run_pending()
    assert _comments(lead["id"]) == 1
    assert [t.element_id for t in open_tasks(instance.id)] == ["Review"]


def test_a_savepoint_before_the_first_write_stays_inside_the_unit_of_work(app):
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work():
        db.session.execute(select(func.count()).select_from(TimelineEntry))  # a read: no BEGIN yet
        with db.session.begin_nested():
            db.session.execute(text(
                "INSERT INTO process_definition (key, name, active, created_at) "
                "VALUES ('savepoint_probe', '', true, CURRENT_TIMESTAMP)"))
        raise RuntimeError("the unit of work fails after its savepoint was released")
    assert db.session.scalar(text(
        "SELECT count(*) FROM process_definition WHERE key = 'savepoint_probe'")) == 0
