"""JUEL end to end: a Camunda-style diagram deployed through the API runs each lead to the right
branch (conditions, composite text, assignee and form default expressions); bad JUEL is refused."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import TimelineEntry
from extensions import db
from tests.integration.engine.diagrams import NS, upload
from tests.integration.engine.runtime_support import create_lead, deploy, drive, only_instance, open_tasks

GATEWAY = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs_juel">
  <bpmn:message id="Msg_lead_created" name="lead.created"/>
  <bpmn:process id="juel_route" name="JUEL route" isExecutable="true">
    <bpmn:startEvent id="LeadCreated">
      <bpmn:messageEventDefinition messageRef="Msg_lead_created"/>
    </bpmn:startEvent>
    <bpmn:exclusiveGateway id="Route" default="F_small"/>
    <bpmn:serviceTask id="Big" camunda:type="external" camunda:topic="crm.add_comment">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="entity">lead</camunda:inputParameter>
        <camunda:inputParameter name="id">${{record.id}}</camunda:inputParameter>
        <camunda:inputParameter name="text"
          >Big lead ${{record.title.toUpperCase()}} (${{record.amount}})</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:userTask id="Check" name="Check" camunda:assignee="#{{record.responsible_id}}">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="note" type="string" defaultValue="Small: ${{record.title}}"/>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="EndBig"/>
    <bpmn:endEvent id="EndSmall"/>
    <bpmn:sequenceFlow id="F_start" sourceRef="LeadCreated" targetRef="Route"/>
    <bpmn:sequenceFlow id="F_big" sourceRef="Route" targetRef="Big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >${{record.amount gt 1000 &amp;&amp; !empty record.title}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_small" sourceRef="Route" targetRef="Check"/>
    <bpmn:sequenceFlow id="F_big_end" sourceRef="Big" targetRef="EndBig"/>
    <bpmn:sequenceFlow id="F_small_end" sourceRef="Check" targetRef="EndSmall"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _comments(lead_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(TimelineEntry.body).where(
        TimelineEntry.entity == "lead", TimelineEntry.record_id == lead_id, TimelineEntry.kind == "comment")))


def test_each_lead_takes_the_branch_its_juel_condition_chooses(api, admin):
    deploy(api, GATEWAY.encode())
    big = create_lead(api, "Acme", amount="1500.00")
    drive()
    instance = only_instance(entity_id=big["id"])
    assert instance.status == "completed", instance.error_message
    assert any("Big lead ACME (1500.0)" in text for text in _comments(big["id"])), _comments(big["id"])

    small = create_lead(api, "Tiny", amount="10", responsible_id=admin.id)
    drive()
    instance = only_instance(entity_id=small["id"])
    assert instance.status == "waiting", instance.error_message
    (task,) = open_tasks(instance.id)
    assert task.element_id == "Check" and task.assignee_id == admin.id
    assert task.form[0]["default"] == "Small: Tiny", task.form
    assert _comments(small["id"]) == []


def test_unparsable_juel_is_refused_at_deploy_naming_the_element(api):
    bad = GATEWAY.replace("record.amount gt 1000", "record.amount gt").replace("juel_route", "juel_bad")
    resp = upload(api, bad.encode())
    assert resp.status_code == 422
    errors = {(e["element"], e["message"]) for e in resp.get_json()["errors"]}
    assert ("F_big", "condition: expected a value but found '&&' (at column 20)") in errors, errors
