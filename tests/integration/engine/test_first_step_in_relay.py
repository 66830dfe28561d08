"""The relay runs a started instance to its first wait state in its own transaction
(`ENGINE_FIRST_STEP_IN_RELAY`, by default on PostgreSQL): no unit of work, instance read or
state restore of the step's own. A first step that reaches a service task's activity goes to a
worker as before; a first step that raises redoes the event on the careful path."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.events import OutboxEvent, relay_pending
from crm.models import TimelineEntry
from engine import runtime
from engine.models import ActivityRun, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, enum_field, review_lead, service_task, user_task
from tests.integration.engine.runtime_support import count, create_lead, deploy, drive, log_kinds, open_tasks
from tests.support.statements import deferring, inserts_into, statements


@pytest.fixture(autouse=True)
def in_relay(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENGINE_FIRST_STEP_IN_RELAY", True)
    monkeypatch.setattr(runtime, "_NOT_IN_RELAY", set())


def _newest() -> ProcessInstance:
    return db.session.scalar(select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(1))


def test_the_relay_runs_a_started_instance_to_its_user_task(api, admin):
    deploy(api, review_lead())
    create_lead(api, title="Warm-up")  # the versions read and cached once per process
    relay_pending()
    create_lead(api)
    with statements() as seen:
        assert relay_pending() == 1
    instance = _newest()
    assert (instance.status, instance.lock_version) == ("waiting", 2)
    (task,) = open_tasks(instance.id)
    assert (task.element_id, task.assignee_id) == ("Review", admin.id)
    # the step neither read its instance (nor its version) nor wrote its log apart from the start's
    assert not [s for s in seen if s.startswith("SELECT") and " FROM process_instance" in s], seen
    assert not [s for s in seen if s.startswith("SELECT process_version.")], seen
    assert len(inserts_into(seen, "instance_event")) == 1, seen
    assert log_kinds(instance.id)[0] == "started"
    if deferring():  # the new row's UPDATE, its activations and log go with the task's INSERT
        (carrier,) = [s for s in seen if "INSERT INTO human_task" in s]
        assert carrier.startswith("WITH ") and "UPDATE process_instance" in carrier, carrier
        assert not [s for s in seen if s.startswith("UPDATE process_instance")], seen


def _comment_then_review() -> bytes:
    return chain("comment_first", service_task("Comment", "crm.add_comment", text="Seen"),
                 user_task("Review", "Review lead", fields=enum_field("verdict", "good", "bad")))


def test_a_first_step_reaching_an_activity_goes_to_a_worker_and_runs_it_once(api, admin, monkeypatch):
    deploy(api, _comment_then_review())
    loads = []
    real_load = runtime.spiff.load
    monkeypatch.setattr(runtime.spiff, "load", lambda i: loads.append(i.id) or real_load(i))
    leads = [create_lead(api, title=f"Lead {n}")["id"] for n in range(2)]
    relay_pending()  # the relay gives the steps up, after the commit a worker runs them
    assert {i.status for i in db.session.scalars(select(ProcessInstance))} == {"running"}
    db.session.rollback()
    drive()
    for lead_id in leads:
        instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.entity_id == lead_id))
        assert instance.status == "waiting"
        assert count(TimelineEntry, TimelineEntry.record_id == lead_id, TimelineEntry.kind == "comment") == 1
        assert count(ActivityRun, ActivityRun.instance_id == instance.id) == 1
        assert log_kinds(instance.id).count("started") == 1
    first, second = (db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.entity_id == i))
                     for i in leads)
    assert loads == [first, first, second]  # tried in the relay once per version, then the worker's


def test_a_first_step_that_raises_in_the_relay_is_redone_carefully(api, admin, monkeypatch):
    deploy(api, review_lead())
    create_lead(api)
    real = runtime._advance_and_store

    def broken(instance, wf, *args, inline=None, **kw):
        if inline is not None:
            raise RuntimeError("a defect in the step")
        return real(instance, wf, *args, **kw)

    monkeypatch.setattr(runtime, "_advance_and_store", broken)
    relay_pending()
    event = db.session.scalar(select(OutboxEvent))
    assert event.delivered_at is None and "a defect in the step" in event.last_error
    assert count(ProcessInstance) == 0  # the fast path's transaction was rolled back
    relay_pending()  # the careful path: the start, then the step on its own
    drive()
    instance = _newest()
    assert instance.status == "waiting" and len(open_tasks(instance.id)) == 1
    assert db.session.get(OutboxEvent, event.id).delivered_at is not None


@pytest.mark.parametrize("assignee", ["${initiator}", None], ids=["initiator", "responsible"])
def test_the_relay_reads_the_first_tasks_assignee_with_the_record(api, admin, assignee):
    """The record's SELECT brings its responsible (here its creator, who started the process): the
    first user task's assignee, the initiator or the fallback to the responsible, costs no SELECT."""
    deploy(api, chain("assigned_review", user_task("Review", "Review lead", assignee=assignee)))
    create_lead(api, title="Warm-up")  # the versions read and cached once per process
    relay_pending()
    create_lead(api)
    with statements() as seen:
        assert relay_pending() == 1
    assert not [s for s in seen if " FROM user_account" in s], seen
    assert len([s for s in seen if s.startswith("SELECT") and " FROM lead" in s]) == 1, seen
    (task,) = open_tasks(_newest().id)
    assert task.assignee_id == admin.id
