"""The inbox end to end: a deployed diagram with lanes, forms and activities, driven through the API."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from crm.models import TimelineEntry
from engine.deploy import deploy_process
from engine.models import HumanTask, HumanTaskCandidate, ProcessInstance
from engine.runtime import run_pending
from extensions import db
from org.services.departments import create_department

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Defs_review" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collab_review">
    <bpmn:participant id="Participant_review" processRef="inbox_review"/>
  </bpmn:collaboration>
  <bpmn:process id="inbox_review" name="Inbox review" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_Sales" name="Sales">
        <bpmn:flowNodeRef>StartLead</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Confirm</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndFlow</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartLead" name="Lead created">
      <bpmn:outgoing>F1</bpmn:outgoing>
      <bpmn:messageEventDefinition id="MED_1" messageRef="Msg_lead_created"/>
    </bpmn:startEvent>
    <bpmn:userTask id="Review" name="Review lead">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="decision" label="Decision" type="enum">
            <camunda:validation><camunda:constraint name="required"/></camunda:validation>
            <camunda:value id="good" name="Good"/>
            <camunda:value id="bad" name="Bad"/>
          </camunda:formField>
          <camunda:formField id="budget" label="Budget" type="long">
            <camunda:validation><camunda:constraint name="max" config="100"/></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="Note" name="Note the decision" camunda:type="external"
        camunda:topic="crm.add_comment">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="text">Decision: ${decision}</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming>
      <bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:userTask id="Confirm" name="Confirm" camunda:assignee="${record.responsible_id}">
      <bpmn:incoming>F3</bpmn:incoming>
      <bpmn:outgoing>F4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndFlow"><bpmn:incoming>F4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartLead" targetRef="Review"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="Note"/>
    <bpmn:sequenceFlow id="F3" sourceRef="Note" targetRef="Confirm"/>
    <bpmn:sequenceFlow id="F4" sourceRef="Confirm" targetRef="EndFlow"/>
  </bpmn:process>
  <bpmn:message id="Msg_lead_created" name="lead.created"/>
</bpmn:definitions>
"""


@pytest.fixture
def people(make_user):
    sales = create_department("Sales", actor=None)
    support = create_department("Support", actor=None)
    return {"sales": sales, "ann": make_user("ann@example.com", department_id=sales.id),
            "cid": make_user("cid@example.com", department_id=support.id)}


def test_lane_task_through_the_inbox_to_the_end(api, api_for, admin, people):
    deploy_process(BPMN.encode(), actor=admin)
    lead = api.post("/leads", {"title": "Flow", "responsible_id": people["cid"].id}).json
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    assert instance.status == "waiting", instance.error_message
    review = db.session.scalar(select(HumanTask).where(HumanTask.element_id == "Review"))
    keys = set(db.session.scalars(select(HumanTaskCandidate.group_key).where(
        HumanTaskCandidate.human_task_id == review.id)))
    assert keys == {"lane:Sales", f"department:{people['sales'].id}"} and review.assignee_id is None
    ann, cid = api_for(people["ann"]), api_for(people["cid"])
    item = ann.get("/inbox").json["items"][0]
    assert item["id"] == review.id and [f["id"] for f in item["form"]] == ["decision", "budget"]
    assert cid.get("/inbox").json["items"] == []
    assert cid.post(f"/inbox/{review.id}/complete", {"data": {"decision": "good"}}).status_code == 403
    bad = ann.post(f"/inbox/{review.id}/complete", {"data": {"decision": "meh", "budget": 101}})
    assert bad.status_code == 422 and set(bad.json["fields"]) == {"decision", "budget"}
    done = ann.post(f"/inbox/{review.id}/complete", {"data": {"decision": "good", "budget": 50}})
    assert done.status_code == 200, done.json
    assert ann.post(f"/inbox/{review.id}/complete", {"data": {"decision": "good"}}).status_code == 409
    run_pending()
    comments = list(db.session.scalars(select(TimelineEntry.body).where(
        TimelineEntry.entity == "lead", TimelineEntry.record_id == lead["id"],
        TimelineEntry.kind == "comment")))
    assert comments == ["Decision: good"]
    confirm = cid.get("/inbox").json["items"]
    assert [i["name"] for i in confirm] == ["Confirm"] and confirm[0]["assignee"]["id"] == people["cid"].id
    assert cid.post(f"/inbox/{confirm[0]['id']}/complete", {"data": {}}).status_code == 200
    run_pending()
    db.session.refresh(instance)
    assert instance.status == "completed"
    states = dict(db.session.execute(select(HumanTask.element_id, HumanTask.state)).all())
    assert states == {"Review": "completed", "Confirm": "completed"}
