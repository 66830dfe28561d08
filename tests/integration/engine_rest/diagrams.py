"""Diagrams for the /engine-rest tests: external tasks served by workers, a boundary error event,
a timer and a failing script (jobs)."""
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


def timer_process(key: str) -> bytes:
    """start → Wait (a one-hour timer) → Review (a user task) → end."""
    return f"""{HEAD}
  <bpmn:process id="{key}" name="Timer {key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:intermediateCatchEvent id="Wait" name="One hour">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Review" name="Review" />
    <bpmn:endEvent id="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Wait" />
    <bpmn:sequenceFlow id="F2" sourceRef="Wait" targetRef="Review" />
    <bpmn:sequenceFlow id="F3" sourceRef="Review" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def flaky_process(key: str, cycle: str = "R1/PT10M") -> bytes:
    """start → Compute (a script needing `amount`, retried by `cycle`) → Check (a user task) → end."""
    return f"""{HEAD}
  <bpmn:process id="{key}" name="Flaky {key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:scriptTask id="Compute" name="Compute" scriptFormat="python">
      <bpmn:extensionElements><camunda:failedJobRetryTimeCycle>{cycle}</camunda:failedJobRetryTimeCycle>
      </bpmn:extensionElements>
      <bpmn:script>total = amount * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="Check" name="Check" />
    <bpmn:endEvent id="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Compute" />
    <bpmn:sequenceFlow id="F2" sourceRef="Compute" targetRef="Check" />
    <bpmn:sequenceFlow id="F3" sourceRef="Check" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def quick_process(key: str) -> bytes:
    """start → end: finished as soon as started."""
    return f"""{HEAD}
  <bpmn:process id="{key}" name="Quick {key}" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:endEvent id="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()
