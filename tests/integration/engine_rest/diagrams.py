"""Diagrams for the /engine-rest tests: external tasks served by workers, a boundary error event."""
from __future__ import annotations

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
        '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" '
        'targetNamespace="http://bpmn.io/schema/bpmn">')


def order_process(key: str, topics: str = "") -> bytes:
    """start → charge → ship (error boundary OUT_OF_STOCK → refund) → end; topics `{topics}charge`..."""
    return f"""{HEAD}
  <bpmn:error id="Err" name="Out of stock" errorCode="OUT_OF_STOCK" />
  <bpmn:process id="{key}" name="Order {key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:serviceTask id="Charge" name="Charge card" camunda:type="external" camunda:topic="{topics}charge" />
    <bpmn:serviceTask id="Ship" name="Ship" camunda:type="external" camunda:topic="{topics}ship" />
    <bpmn:boundaryEvent id="NoStock" attachedToRef="Ship">
      <bpmn:errorEventDefinition errorRef="Err" camunda:errorCodeVariable="code" />
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="Refund" name="Refund" camunda:type="external" camunda:topic="{topics}refund" />
    <bpmn:endEvent id="Shipped" />
    <bpmn:endEvent id="Refunded" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Charge" />
    <bpmn:sequenceFlow id="F2" sourceRef="Charge" targetRef="Ship" />
    <bpmn:sequenceFlow id="F3" sourceRef="Ship" targetRef="Shipped" />
    <bpmn:sequenceFlow id="F4" sourceRef="NoStock" targetRef="Refund" />
    <bpmn:sequenceFlow id="F5" sourceRef="Refund" targetRef="Refunded" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def broken_process(key: str) -> bytes:
    """A Java delegate: refused at deploy, naming the element."""
    return f"""{HEAD}
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:serviceTask id="JavaTask" camunda:class="com.example.Delegate" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="JavaTask" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def approval_process(key: str, assignee: str) -> bytes:
    """start → Approve (a user task for `assignee`) → Charge (external, topic `{key}-charge`) → end."""
    return f"""{HEAD}
  <bpmn:process id="{key}" name="Approval {key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:userTask id="Approve" name="Approve" camunda:assignee="{assignee}" />
    <bpmn:serviceTask id="Charge" name="Charge" camunda:type="external" camunda:topic="{key}-charge" />
    <bpmn:endEvent id="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Approve" />
    <bpmn:sequenceFlow id="F2" sourceRef="Approve" targetRef="Charge" />
    <bpmn:sequenceFlow id="F3" sourceRef="Charge" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()
