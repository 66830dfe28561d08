"""Signals across instances: a diagram's throw and POST /api/v1/signals reach every waiting catch
in every instance and start the processes with that signal start event."""
from __future__ import annotations

from engine.models import InstanceEvent, MessageWait, ProcessInstance
from extensions import db
from tests.integration.engine.event_diagrams import event, flows, process, signal_ref, task
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

CATCHER = process("catcher", event("startEvent", "Begin") + event("intermediateCatchEvent", "WaitPrices",
                  signal_ref("prices")) + task("Check") + event("endEvent", "Done")
                  + flows("Begin", "WaitPrices", "Check", "Done"), signals=("prices",))
STARTER = process("starter", event("startEvent", "OnPrices", signal_ref("prices")) + task("Review")
                  + event("endEvent", "Done") + flows("OnPrices", "Review", "Done"), signals=("prices",))
THROWER = process("thrower", event("startEvent", "Begin") + event("intermediateThrowEvent", "Announce",
                  signal_ref("prices")) + event("endEvent", "Done") + flows("Begin", "Announce", "Done"),
                  signals=("prices",))
BOUNDARY = process("stoppable", event("startEvent", "Begin") + task("Work")
                   + event("boundaryEvent", "Stop", signal_ref("prices"), 'attachedToRef="Work"')
                   + event("endEvent", "Done") + event("endEvent", "Stopped")
                   + flows("Begin", "Work", "Done") + flows("Stop", "Stopped"), signals=("prices",))


def _start(api, key: str, lead: dict) -> int:
    resp = api.post(f"/processes/{key}/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _by_key(key: str) -> list[ProcessInstance]:
    return [i for i in instances() if i.version.definition.key == key]


def test_signal_from_the_api_reaches_catches_boundaries_and_starts(api):
    for xml in (CATCHER, STARTER, BOUNDARY):
        deploy(api, xml)
    lead = create_lead(api)
    catcher, stoppable = _start(api, "catcher", lead), _start(api, "stoppable", lead)
    drive()
    kinds = {(w.instance_id, w.kind) for w in db.session.query(MessageWait)}
    assert kinds == {(catcher, "signal"), (stoppable, "signal")}
    resp = api.post("/signals", {"name": "prices", "variables": {"rate": 2}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["reached"] == 3 and sorted(resp.get_json()["instances"]) == [catcher, stoppable]
    drive()
    assert [t.element_id for t in open_tasks(catcher)] == ["Check"]
    assert db.session.get(ProcessInstance, stoppable).status == "completed"
    (started,) = _by_key("starter")
    assert [t.element_id for t in open_tasks(started.id)] == ["Review"]
    assert api.get(f"/process-instances/{catcher}").get_json()["variables"]["rate"] == 2
    assert api.post("/signals", {"name": "nobody"}).get_json()["reached"] == 0
    assert api.post("/signals", {}).status_code == 422


def test_a_thrown_signal_reaches_other_instances_and_starts_processes(api):
    for xml in (CATCHER, STARTER, THROWER):
        deploy(api, xml)
    lead = create_lead(api)
    waiting = [_start(api, "catcher", lead), _start(api, "catcher", lead)]
    drive()
    thrower = _start(api, "thrower", lead)
    drive()
    assert db.session.get(ProcessInstance, thrower).status == "completed"
    assert sorted(t.instance_id for t in open_tasks() if t.element_id == "Check") == waiting
    assert len(_by_key("starter")) == 1
    logged = db.session.query(InstanceEvent).filter_by(instance_id=thrower, kind="signal").one()
    assert sorted(logged.data["reached"]) == waiting and len(logged.data["started"]) == 1
