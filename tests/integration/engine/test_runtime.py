"""Running instances: one step per transaction, optimistic lock, crashes, errors and retry,
statuses, the log, the instances API and control actions."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from crm.models import StatusValue, TimelineEntry
from engine import runtime
from engine.models import ActivityRun, HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, enum_field, review_lead, service_task, user_task
from tests.integration.engine.runtime_support import (
    count,
    create_lead,
    deploy,
    drive,
    log_kinds,
    only_instance,
    open_tasks,
)

COMMENTING = chain(
    "commenter",
    service_task("Comment", "crm.add_comment", entity="lead", id="${record.id}",
                 text="Hello from the process"),
    user_task("Check", "Check", fields=enum_field("verdict", "good", "bad")),
    message="lead.created")


def _comments(lead_id: int) -> int:
    return count(TimelineEntry, TimelineEntry.entity == "lead", TimelineEntry.record_id == lead_id,
                 TimelineEntry.kind == "comment")


def _bump_lock(instance_id: int) -> None:
    """The row moves under the step, as when another worker committed a step meanwhile.

    (Written in the step's own transaction: SQLite would make a second writer wait for the
    first, which turns the same race into the same StaleDataError, only later.)
    """
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                       .values(lock_version=ProcessInstance.lock_version + 1)
                       .execution_options(synchronize_session=False))


def test_step_stores_state_without_spec_and_a_human_task_row(api, admin):
    deploy(api, review_lead())
    create_lead(api)
    drive()
    instance = only_instance()
    assert instance.status == "waiting" and instance.lock_version >= 2
    state = json.loads(instance.state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert "lead_review" in instance.version.spec_blob
    (task,) = open_tasks(instance.id)
    assert (task.element_id, task.name, task.assignee_id) == ("Review", "Review lead", admin.id)
    assert [o["id"] for o in task.form[0]["options"]] == ["good", "bad"]
    assert log_kinds(instance.id)[0] == "started"


def test_second_of_two_concurrent_steps_is_dropped_and_retried(api, monkeypatch):
    deploy(api, COMMENTING)
    lead = create_lead(api)
    from crm.events import relay_pending

    relay_pending()
    instance = only_instance()
    before = (instance.state, instance.lock_version)
    original = runtime.spiff.advance

    def advance_then_lose_the_race(wf, handler, budget=None):
        result = original(wf, handler, budget)
        _bump_lock(instance.id)
        return result

    monkeypatch.setattr(runtime.spiff, "advance", advance_then_lose_the_race)
    assert runtime.run_instance(instance.id) is None  # StaleDataError: dropped
    monkeypatch.setattr(runtime.spiff, "advance", original)
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "running" and instance.state == before[0]
    assert instance.lock_version == before[1]
    assert _comments(lead["id"]) == 0 and count(ActivityRun) == 0  # rolled back with the step

    assert runtime.run_instance(instance.id) == "waiting"  # the retried step
    assert _comments(lead["id"]) == 1 and count(ActivityRun) == 1


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing is committed."""


def test_worker_killed_mid_step_leaves_instance_as_it_was(api, monkeypatch):
    import engine.activities as activities

    deploy(api, COMMENTING)
    lead = create_lead(api)
    from crm.events import relay_pending

    relay_pending()
    instance = only_instance()
    state, lock = instance.state, instance.lock_version
    original = activities.dispatch

    def dispatch_then_die(topic, params, ctx):
        original(topic, params, ctx)
        raise WorkerKilled

    monkeypatch.setattr(activities, "dispatch", dispatch_then_die)
    with pytest.raises(WorkerKilled):
        runtime.run_instance(instance.id)
    db.session.rollback()  # the process is gone: its transaction never commits
    monkeypatch.setattr(activities, "dispatch", original)
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert (instance.status, instance.state, instance.lock_version) == ("running", state, lock)
    assert _comments(lead["id"]) == 0 and open_tasks() == []

    drive()  # redelivered / swept: the step runs again, once
    assert db.session.get(ProcessInstance, instance.id).status == "waiting"
    assert _comments(lead["id"]) == 1 and count(ActivityRun) == 1


def test_completion_through_inbox_finishes_and_a_lost_race_answers_409(api, monkeypatch):
    deploy(api, COMMENTING)
    create_lead(api)
    create_lead(api, "Second")
    drive()
    first, second = (open_tasks()[0], open_tasks()[1])

    original = runtime.spiff.advance
    monkeypatch.setattr(runtime.spiff, "advance", lambda wf, h, b=None: (_bump_lock(first.instance_id),
                                                                  original(wf, h))[1])
    resp = api.post(f"/inbox/{first.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 409, resp.get_json()
    monkeypatch.setattr(runtime.spiff, "advance", original)
    assert db.session.get(HumanTask, first.id).state == "open"

    resp = api.post(f"/inbox/{first.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 200, resp.get_json()
    done = db.session.get(ProcessInstance, first.instance_id)
    assert done.status == "completed" and done.completed_at is not None
    assert api.post(f"/inbox/{first.id}/complete", {"data": {"verdict": "bad"}}).status_code == 409
    kinds = log_kinds(done.id)
    assert {"started", "task_completed", "completed"} <= set(kinds)
    assert db.session.get(ProcessInstance, second.instance_id).status == "waiting"


FAILING = chain(
    "holder",
    service_task("Hold", "crm.update_record", entity="lead", id="${record.id}", status="ON_HOLD"),
    user_task("Next", "Next"),
    message="lead.created")


def test_error_names_element_and_reason_and_retry_continues_after_a_fix(api):
    deploy(api, FAILING)
    lead = create_lead(api)
    drive()
    instance = only_instance()
    assert instance.status == "error" and instance.error_element == "Hold"
    assert "status" in instance.error_message
    body = api.get(f"/process-instances/{instance.id}").get_json()
    assert body["error_element"] == "Hold" and body["task_states"]["Hold"] == "error"
    assert body["current_elements"] == ["Hold"]
    assert any(e["kind"] == "error" and e["element_id"] == "Hold" for e in body["log"])

    db.session.add(StatusValue(entity="lead", code="ON_HOLD", name="On hold", sort=99, semantic="process"))
    db.session.commit()
    try:
        resp = api.post(f"/process-instances/{instance.id}/retry")
        assert resp.status_code == 200 and resp.get_json()["status"] == "running"
        drive()
        db.session.expire_all()
        instance = db.session.get(ProcessInstance, instance.id)
        assert instance.status == "waiting" and instance.error_message is None
        assert api.get(f"/leads/{lead['id']}").get_json()["status"] == "ON_HOLD"
        assert [t.element_id for t in open_tasks(instance.id)] == ["Next"]
        assert "retried" in log_kinds(instance.id)
        assert api.post(f"/process-instances/{instance.id}/retry").status_code == 409
    finally:
        db.session.execute(delete(StatusValue).where(StatusValue.code == "ON_HOLD"))
        db.session.commit()


def test_list_and_detail(api):
    deploy(api, review_lead())
    lead = create_lead(api)
    other = create_lead(api, "Other")
    drive()
    resp = api.get(f"/process-instances?entity=lead&entity_id={lead['id']}&status=waiting")
    items = resp.get_json()["items"]
    assert [(i["entity_id"], i["key"], i["version"]) for i in items] == [(lead["id"], "lead_review", 1)]
    assert len(api.get("/process-instances?status=waiting").get_json()["items"]) == 2
    assert api.get("/process-instances?status=completed").get_json()["items"] == []
    page = api.get("/process-instances?limit=1").get_json()
    assert page["items"][0]["entity_id"] == other["id"] and page["next"]
    rest = api.get(f"/process-instances?limit=1&cursor={page['next']}").get_json()["items"]
    assert rest[0]["entity_id"] == lead["id"]
    for bad in ("status=nope", "entity_id=x&entity=lead", "limit=0", "entity_id=3"):
        assert api.get(f"/process-instances?{bad}").status_code == 422, bad

    detail = api.get(f"/process-instances/{items[0]['id']}").get_json()
    assert detail["current_elements"] == ["Review"]
    assert detail["task_states"]["Review"] == "ready" and detail["task_states"]["StartEvent_1"] == "completed"
    assert [t["element_id"] for t in detail["human_tasks"]] == ["Review"]
    assert detail["variables"]["record"]["id"] == lead["id"]
    assert detail["log"][0]["kind"] == "started"
    assert api.get("/process-instances/99999").status_code == 404


def test_suspend_resume_terminate_and_who_may(api, api_for, make_user):
    owner = make_user()
    deploy(api, review_lead())
    lead = create_lead(api, responsible_id=owner.id)
    drive()
    instance = only_instance()
    as_owner = api_for(owner)  # reads the record, did not start the process
    assert as_owner.get(f"/process-instances/{instance.id}").status_code == 200
    assert as_owner.post(f"/process-instances/{instance.id}/suspend").status_code == 403
    assert api_for(make_user()).get(f"/process-instances/{instance.id}").status_code == 404

    assert api.post(f"/process-instances/{instance.id}/suspend").get_json()["status"] == "suspended"
    (task,) = open_tasks(instance.id)
    assert as_owner.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}}).status_code == 409
    assert api.post(f"/process-instances/{instance.id}/suspend").status_code == 409
    assert api.post(f"/process-instances/{instance.id}/resume").get_json()["status"] == "running"
    drive()
    assert db.session.get(ProcessInstance, instance.id).status == "waiting"
    assert [t.id for t in open_tasks(instance.id)] == [task.id]

    resp = api.post(f"/process-instances/{instance.id}/terminate")
    assert resp.status_code == 200 and resp.get_json()["status"] == "terminated"
    assert open_tasks(instance.id) == []
    assert db.session.get(HumanTask, task.id).state == "cancelled"
    assert api.post(f"/process-instances/{instance.id}/terminate").status_code == 409
    assert api.post(f"/process-instances/{instance.id}/resume").status_code == 409
    assert {"suspended", "resumed", "terminated"} <= set(log_kinds(instance.id))
    assert lead["responsible_id"] == owner.id


def test_the_starter_may_control_their_manual_instance(api, api_for, make_user):
    starter = make_user()
    deploy(api, review_lead())
    as_starter = api_for(starter)
    lead = create_lead(as_starter, "Mine")
    drive()
    (triggered,) = db.session.scalars(select(ProcessInstance)).all()
    assert triggered.started_by_id == starter.id
    assert as_starter.post(f"/process-instances/{triggered.id}/suspend").status_code == 200
    resp = as_starter.post("/processes/lead_review/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 201
    assert as_starter.post(f"/process-instances/{resp.get_json()['id']}/terminate").status_code == 200


def test_endless_script_ends_as_an_instance_error_not_a_stuck_worker(api):
    from tests.integration.engine.diagrams import script_task

    deploy(api, chain("spinner", script_task("Spin", "while True:\n    pass"), user_task("Never", "Never")))
    create_lead(api)
    drive()
    instance = only_instance()
    assert instance.status == "error" and instance.error_element == "Spin"
    assert "time limit" in instance.error_message
    assert open_tasks() == []


def test_lost_race_of_a_step_with_a_user_task_writes_nothing(api, monkeypatch, steps_in_a_worker):
    """The instance's UPDATE (its lock_version check) goes first: the loser's rows never stay."""
    from engine.history_models import ElementActivation

    deploy(api, review_lead())
    create_lead(api)
    from crm.events import relay_pending

    relay_pending()
    instance = only_instance()
    kinds, activations = log_kinds(instance.id), count(ElementActivation)
    original = runtime.spiff.advance
    monkeypatch.setattr(runtime.spiff, "advance", lambda wf, h, b=None: (original(wf, h, b),
                                                                          _bump_lock(instance.id))[0])
    assert runtime.run_instance(instance.id) is None  # StaleDataError: dropped
    monkeypatch.setattr(runtime.spiff, "advance", original)
    assert open_tasks() == [] and count(ElementActivation) == activations
    assert log_kinds(instance.id) == kinds and only_instance().status == "running"
    assert runtime.run_instance(instance.id) == "waiting" and len(open_tasks()) == 1


def test_a_step_writes_its_instance_once(api, steps_in_a_worker):
    """The step's own UPDATE leaves the instance clean: no flush writes it a second time."""
    from sqlalchemy import event

    deploy(api, review_lead())
    create_lead(api)
    from crm.events import relay_pending

    relay_pending()
    instance_id = only_instance().id
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert runtime.run_instance(instance_id) == "waiting"
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert sum(s.startswith("UPDATE process_instance") for s in seen) == 1
    assert sum(s.startswith("INSERT INTO human_task ") for s in seen) == 1
    instance = only_instance()
    assert instance.lock_version == 2 and open_tasks(instance_id)[0].created_at is not None
