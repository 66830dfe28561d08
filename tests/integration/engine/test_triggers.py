"""Starting processes: record-event triggers, one instance per event, filters, manual start, loops, depth."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.events import OutboxEvent
from engine.models import InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, review_lead, service_task, user_task
from tests.integration.engine.runtime_support import (
    create_lead,
    deploy,
    drive,
    instances,
    log_kinds,
    only_instance,
    open_tasks,
)


def test_lead_created_starts_one_instance_with_record_event_and_initiator(api, admin):
    deploy(api, review_lead())
    lead = create_lead(api, "Big order", amount=1200)
    drive()
    instance = only_instance()
    assert (instance.entity, instance.entity_id, instance.status) == ("lead", lead["id"], "waiting")
    assert instance.start_event_id is not None and instance.started_by_id == admin.id
    detail = api.get(f"/process-instances/{instance.id}").get_json()
    variables = detail["variables"]
    assert variables["record"]["title"] == "Big order" and variables["record"]["amount"] == 1200
    assert variables["event"]["type"] == "lead.created"
    assert variables["event"]["changes"]["title"] == [None, "Big order"]
    assert variables["initiator"] == admin.id
    assert [t.element_id for t in open_tasks(instance.id)] == ["Review"]


def test_redelivered_event_starts_nothing_more(api):
    from engine.consumer import on_event
    from engine.triggers import start_triggered

    deploy(api, review_lead())
    create_lead(api)
    drive()
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.type == "lead.created"))
    assert start_triggered(event) == []  # the unique (version, event) key answers (ON CONFLICT DO NOTHING)
    on_event(event)
    db.session.commit()  # the transaction is fine: no error was raised, nothing to roll back
    assert len(instances()) == 1
    assert log_kinds(only_instance().id).count("started") == 1
    first = only_instance()
    db.session.add(ProcessInstance(version_id=first.version_id, status="running", entity="lead",
                                   entity_id=first.entity_id, start_event_id=first.start_event_id,
                                   state=""))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_changed_field_filter_and_condition(api):
    deploy(api, review_lead(message="lead.updated"))
    resp = api.put("/processes/lead_review/triggers", {"triggers": [
        {"element_id": "StartEvent_1", "fields": ["status"], "condition": "${record.amount > 10000}"}]})
    assert resp.status_code == 200
    small = create_lead(api, "Small", amount=500)
    big = create_lead(api, "Big", amount=50000)
    drive()
    assert instances() == []  # created is not updated

    api.patch(f"/leads/{big['id']}", {"title": "Big, renamed"})
    drive()
    assert instances() == []  # status did not change
    api.patch(f"/leads/{small['id']}", {"status": "IN_PROCESS"})
    drive()
    assert instances() == []  # the condition does not hold
    api.patch(f"/leads/{big['id']}", {"status": "IN_PROCESS"})
    drive()
    instance = only_instance()
    assert instance.entity_id == big["id"]


def test_manual_start_checks_input_and_read_access(api, api_for, make_user):
    deploy(api, review_lead())
    lead = create_lead(api)
    drive()
    resp = api.post("/processes/lead_review/start",
                    {"entity": "lead", "id": lead["id"], "variables": {"note": "call back"}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["entity"] == "lead" and body["entity_id"] == lead["id"] and body["status"] == "running"
    drive()
    manual = db.session.get(ProcessInstance, body["id"])
    assert manual.status == "waiting" and manual.start_event_id is None
    detail = api.get(f"/process-instances/{manual.id}").get_json()
    assert detail["variables"]["note"] == "call back"
    assert detail["variables"]["record"]["id"] == lead["id"]

    for bad, field in [({"entity": "lead"}, "id"), ({"id": lead["id"]}, "entity"),
                       ({"entity": "lead", "id": lead["id"], "variables": [1]}, "variables"),
                       ({"entity": "lead", "id": lead["id"], "variables": {"record": 1}}, "variables")]:
        resp = api.post("/processes/lead_review/start", bad)
        assert resp.status_code == 422 and field in resp.get_json()["fields"], resp.get_json()
    assert api.post("/processes/lead_review/start", {"entity": "lead", "id": 999999}).status_code == 404
    assert api.post("/processes/nope/start", {"entity": "lead", "id": lead["id"]}).status_code == 404
    resp = api.post("/processes/lead_review/start", {"entity": "deal", "id": lead["id"]})
    assert resp.status_code in (404, 422)

    stranger = api_for(make_user())  # may not read the admin's lead
    resp = stranger.post("/processes/lead_review/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 404
    assert len(instances()) == 2


LOOPING = chain(
    "self_updater",
    service_task("Touch", "crm.update_record", entity="lead", id="${record.id}",
                 fields='${{"comments": "touched by the process"}}'),
    user_task("Check", "Check"),
    message="lead.updated")


def test_own_change_does_not_retrigger_the_same_process(api):
    deploy(api, LOOPING)
    lead = create_lead(api)
    api.patch(f"/leads/{lead['id']}", {"title": "Changed by a person"})
    drive()
    instance = only_instance()
    assert instance.status == "waiting"
    updates = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "lead.updated")
                                 .order_by(OutboxEvent.id)).all()
    assert len(updates) == 2 and updates[1].origin_instance_id == instance.id
    api.patch(f"/leads/{lead['id']}", {"title": "A person again"})
    drive()
    assert len(instances()) == 2  # a person's change starts it again


SPAWNING = chain(
    "spawner",
    service_task("Spawn", "crm.create_lead", title='Child of ${record.title}'),
    message="lead.created")


def test_chain_of_triggered_processes_stops_at_depth_limit_with_log_entry(api, app):
    app.config["ENGINE_MAX_DEPTH"] = 3
    try:
        deploy(api, SPAWNING)
        create_lead(api, "Root")
        drive()
    finally:
        app.config["ENGINE_MAX_DEPTH"] = 5
    chain_ = instances()
    assert [i.depth for i in chain_] == [0, 1, 2]
    assert all(i.status == "completed" for i in chain_)
    last = chain_[-1]
    assert "depth_limit" in log_kinds(last.id)
    entry = db.session.scalar(select(InstanceEvent).where(InstanceEvent.kind == "depth_limit"))
    assert "depth limit of 3" in entry.message and entry.data["process"] == "spawner"
    detail = api.get(f"/process-instances/{last.id}").get_json()
    assert any(e["kind"] == "depth_limit" for e in detail["log"])
