"""Engine limits through the runtime: long loops run in many committed steps, an endless loop
ends in an incident, terminate wins over a running step, nothing ends "completed" falsely."""
from __future__ import annotations

from sqlalchemy import select, update

from crm.events import relay_pending
from engine import runtime
from engine.models import InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.limit_diagrams import gateway_loop
from tests.integration.engine.runtime_support import deploy, log_kinds, only_instance


def _contact(api) -> dict:
    resp = api.post("/contacts", {"last_name": "Loop"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _log_messages(instance_id: int) -> list[str]:
    return list(db.session.scalars(select(InstanceEvent.message).where(
        InstanceEvent.instance_id == instance_id).order_by(InstanceEvent.id)))


def test_a_long_loop_runs_in_committed_steps_and_completes_with_its_count(api):
    deploy(api, gateway_loop("long", "${count >= 3000}"))
    _contact(api)
    runtime.run_pending(max_rounds=200)
    instance = only_instance()
    assert instance.status == "completed"
    detail = api.get(f"/process-instances/{instance.id}").get_json()
    assert detail["variables"]["count"] == 3000
    assert detail["task_states"]["Inc"] == "completed"  # pruned, still coloured
    summaries = [m for m in _log_messages(instance.id) if "more elements completed in this step" in m]
    assert len(summaries) >= 5, "6,000 engine tasks ran in steps of at most 1,000"
    assert len(instance.state) < 10_000


def test_an_endless_loop_ends_in_an_incident_naming_the_element_and_the_limit(api, app):
    app.config["ENGINE_INSTANCE_TASKS"] = 2500
    try:
        deploy(api, gateway_loop("endless", None))
        _contact(api)
        runtime.run_pending(max_rounds=200)
    finally:
        app.config["ENGINE_INSTANCE_TASKS"] = 1_000_000
    instance = only_instance()
    assert instance.status == "error" and instance.completed_at is None
    assert instance.error_element in ("Inc", "More")
    assert "FLOWDESK_ENGINE_INSTANCE_TASKS=2,500" in instance.error_message
    assert "completed" not in log_kinds(instance.id) and "error" in log_kinds(instance.id)
    (incident,) = api.get("/incidents").get_json()["items"]
    assert (incident["kind"], incident["element_id"]) == ("stepBudget", instance.error_element)


def test_terminate_wins_over_a_step_running_meanwhile(api, monkeypatch):
    deploy(api, gateway_loop("endless", None))
    _contact(api)
    relay_pending(500)
    instance = only_instance()
    assert runtime.run_instance(instance.id) == "running"  # budget spent: more steps to come
    original = runtime.spiff.advance

    def terminated_meanwhile(wf, handler, budget=None):
        result = original(wf, handler, budget)
        with db.engine.begin() as conn:  # another transaction (the terminate request) commits
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(
                status="terminated", lock_version=ProcessInstance.lock_version + 1))
        return result

    monkeypatch.setattr(runtime.spiff, "advance", terminated_meanwhile)
    assert runtime.run_instance(instance.id) is None  # the step's result is discarded
    monkeypatch.setattr(runtime.spiff, "advance", original)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "terminated"
    assert runtime.run_instance(instance.id) == "terminated"  # a queued continuation does nothing


def test_terminate_between_steps_stops_a_runaway(api):
    deploy(api, gateway_loop("endless", None))
    _contact(api)
    relay_pending(500)
    instance = only_instance()
    assert runtime.run_instance(instance.id) == "running"
    assert api.post(f"/process-instances/{instance.id}/terminate").status_code == 200
    runtime.run_pending(max_rounds=5)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "terminated"


def test_terminate_is_not_refused_because_a_step_committed_meanwhile(api, monkeypatch):
    from engine import instances as instances_service

    deploy(api, gateway_loop("endless", None))
    _contact(api)
    relay_pending(500)
    instance = only_instance()
    assert runtime.run_instance(instance.id) == "running"
    original, calls = instances_service.terminate_tree, []

    def after_a_step_committed(target, actor, message):
        if not calls:  # the worker's next step commits after terminate read the row
            with db.engine.begin() as conn:
                conn.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(
                    lock_version=ProcessInstance.lock_version + 1))
        calls.append(target.id)
        return original(target, actor, message)

    monkeypatch.setattr(instances_service, "terminate_tree", after_a_step_committed)
    resp = api.post(f"/process-instances/{instance.id}/terminate")
    assert resp.status_code == 200, resp.get_json()
    assert calls == [instance.id, instance.id]  # tried again on the fresh row
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "terminated"
