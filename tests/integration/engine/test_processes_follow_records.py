"""The standard processes follow their record: a lead converted, junked or deleted by hand, a
deal won, lost or deleted by hand ends its running instance cleanly, saying why; changes that
do not close the record leave it waiting. Record events reach instances as messages
(`lead.converted`, `lead.status_changed`, `deal.stage_changed`, `record.deleted`)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.install import install_standard_processes
from engine.models import HumanTask, InstanceEvent
from engine.states import HumanTaskState
from extensions import db
from tests.integration.engine.runtime_support import create_lead, deploy, drive, only_instance


@pytest.fixture
def owner(api, make_user):
    install_standard_processes()
    return make_user()


def _open_tasks(instance_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(HumanTask.element_id).where(
        HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.OPEN)))


def _log(instance_id: int) -> list[str]:
    return list(db.session.scalars(select(InstanceEvent.message).where(
        InstanceEvent.instance_id == instance_id).order_by(InstanceEvent.id)))


def _ended_because(entity: str, message: str) -> None:
    instance = only_instance(entity=entity)
    assert instance.status == "completed", (instance.status, instance.error_message)
    assert _open_tasks(instance.id) == []
    assert f"Received {message}" in _log(instance.id)


def _waiting_lead(api, owner) -> dict:
    lead = create_lead(api, "Northwind", responsible_id=owner.id, first_name="Ann", last_name="Lee",
                       company_name="Northwind Traders")
    drive()
    instance = only_instance(entity="lead")
    assert instance.status == "waiting" and _open_tasks(instance.id) == ["Activity_Qualify"]
    return lead


def test_a_lead_converted_by_hand_ends_its_process(api, owner):
    lead = _waiting_lead(api, owner)
    resp = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "company": True})
    assert resp.status_code == 200, resp.get_json()
    drive()
    _ended_because("lead", "lead.converted")


def test_a_lead_junked_by_hand_ends_it_and_other_statuses_do_not(api, owner):
    lead = _waiting_lead(api, owner)
    assert api.patch(f"/leads/{lead['id']}", {"status": "IN_PROCESS"}).status_code == 200
    drive()
    assert only_instance(entity="lead").status == "waiting"
    assert api.patch(f"/leads/{lead['id']}", {"status": "JUNK"}).status_code == 200
    drive()
    _ended_because("lead", "lead.status_changed")


def test_a_deleted_lead_ends_its_process(api, owner):
    lead = _waiting_lead(api, owner)
    assert api.delete(f"/leads/{lead['id']}").status_code == 204
    drive()
    _ended_because("lead", "record.deleted")


def _waiting_deal(api, owner) -> dict:
    deal = api.post("/deals", {"title": "Fleet", "responsible_id": owner.id}).get_json()
    drive()
    assert _open_tasks(only_instance(entity="deal").id) == ["Activity_New"]
    return deal


def test_a_deal_moved_by_hand_to_another_open_stage_moves_the_process_on(api, owner):
    deal = _waiting_deal(api, owner)
    instance_id = only_instance(entity="deal").id
    steps = []
    for stage in ("PROPOSAL", "NEGOTIATION", "PROPOSAL"):
        assert api.patch(f"/deals/{deal['id']}", {"stage": stage}).status_code == 200
        drive()
        steps.append(_open_tasks(instance_id))
    assert steps == [["Activity_Offer"], ["Activity_Invoice"], ["Activity_Offer"]]
    assert only_instance(entity="deal").status == "waiting"
    assert api.get(f"/deals/{deal['id']}").get_json()["stage"] == "PROPOSAL"  # the person's choice


@pytest.mark.parametrize("stage", ["WON", "LOST"])
def test_a_deal_closed_by_hand_ends_its_process(api, owner, stage):
    deal = _waiting_deal(api, owner)
    assert api.patch(f"/deals/{deal['id']}", {"stage": "PROPOSAL"}).status_code == 200
    drive()
    assert only_instance(entity="deal").status == "waiting"  # an open stage: the process goes on
    assert api.patch(f"/deals/{deal['id']}", {"stage": stage}).status_code == 200
    drive()
    _ended_because("deal", "deal.stage_changed")


def test_a_deleted_deal_ends_its_process(api, owner):
    deal = _waiting_deal(api, owner)
    assert api.delete(f"/deals/{deal['id']}").status_code == 204
    drive()
    _ended_because("deal", "record.deleted")


def test_the_process_own_stage_change_does_not_end_it(api, api_for, owner):
    deal = _waiting_deal(api, owner)
    items = api_for(owner).get("/inbox").get_json()["items"]
    done = api_for(owner).post(f"/inbox/{items[0]['id']}/complete", {"data": {"decision": "offer"}})
    assert done.status_code == 200
    drive()
    assert api.get(f"/deals/{deal['id']}").get_json()["stage"] == "PROPOSAL"
    instance = only_instance(entity="deal")
    assert instance.status == "waiting" and _open_tasks(instance.id) == ["Activity_Offer"]


BPMN_NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://flowdesk.test/bpmn"')


def test_any_diagram_catches_record_changes_in_an_event_subprocess(api, owner):
    """An interrupting event subprocess on `record.deleted` and a boundary on `lead.updated`."""
    xml = (f'<bpmn:definitions {BPMN_NS}><bpmn:process id="follow" isExecutable="true">'
           '<bpmn:startEvent id="S" /><bpmn:userTask id="Work" camunda:assignee="${record.responsible_id}" />'
           '<bpmn:boundaryEvent id="Changed" attachedToRef="Work" cancelActivity="false">'
           '<bpmn:messageEventDefinition messageRef="MU" /></bpmn:boundaryEvent>'
           '<bpmn:scriptTask id="Note" scriptFormat="python">'
           '<bpmn:script>seen = record["title"]</bpmn:script></bpmn:scriptTask>'
           '<bpmn:endEvent id="NoteEnd" /><bpmn:endEvent id="E" />'
           '<bpmn:subProcess id="OnDelete" triggeredByEvent="true"><bpmn:startEvent id="DS">'
           '<bpmn:messageEventDefinition messageRef="MD" /></bpmn:startEvent><bpmn:endEvent id="DE" />'
           '<bpmn:sequenceFlow id="d1" sourceRef="DS" targetRef="DE" /></bpmn:subProcess>'
           '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Work" />'
           '<bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="E" />'
           '<bpmn:sequenceFlow id="f3" sourceRef="Changed" targetRef="Note" />'
           '<bpmn:sequenceFlow id="f4" sourceRef="Note" targetRef="NoteEnd" /></bpmn:process>'
           '<bpmn:message id="MU" name="lead.updated" /><bpmn:message id="MD" name="record.deleted" />'
           "</bpmn:definitions>").encode()
    deploy(api, xml)
    lead = create_lead(api, "Custom", responsible_id=owner.id)
    drive()
    started = api.post("/processes/follow/start", {"entity": "lead", "id": lead["id"]})
    assert started.status_code == 201, started.get_json()
    drive()
    instance_id = started.get_json()["id"]
    assert api.patch(f"/leads/{lead['id']}", {"title": "Custom, renamed"}).status_code == 200
    drive()
    variables = api.get(f"/process-instances/{instance_id}").get_json()["variables"]
    assert variables["seen"] == "Custom, renamed"
    assert _open_tasks(instance_id) == ["Work"]  # non-interrupting: still at work
    assert api.delete(f"/leads/{lead['id']}").status_code == 204
    drive()
    db.session.expire_all()
    assert api.get(f"/process-instances/{instance_id}").get_json()["status"] == "completed"
    assert _open_tasks(instance_id) == []
