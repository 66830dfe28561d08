"""Diagrams for the engine-limit tests: loops, endless loops, a process calling itself."""
from __future__ import annotations

from tests.integration.engine.diagrams import NS, chain, script_task


def gateway_loop(process_id: str, until: str | None, message: str = "contact.created") -> bytes:
    """count = 0, then count + 1 back through a gateway until `until` holds (never with None)."""
    condition = until or "${count == -1}"
    msg = message.replace(".", "_")
    return f"""<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="Defs_{process_id}">
<bpmn:message id="Msg_{msg}" name="{message}" />
<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
<bpmn:startEvent id="S"><bpmn:messageEventDefinition messageRef="Msg_{msg}" /></bpmn:startEvent>
<bpmn:scriptTask id="Init" scriptFormat="python"><bpmn:script>count = 0</bpmn:script></bpmn:scriptTask>
<bpmn:scriptTask id="Inc" name="Count up" scriptFormat="python"><bpmn:script>count = count + 1</bpmn:script>
</bpmn:scriptTask>
<bpmn:exclusiveGateway id="More" default="Back" />
<bpmn:endEvent id="E" />
<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Init" />
<bpmn:sequenceFlow id="F2" sourceRef="Init" targetRef="Inc" />
<bpmn:sequenceFlow id="F3" sourceRef="Inc" targetRef="More" />
<bpmn:sequenceFlow id="Out" sourceRef="More" targetRef="E">
<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="Back" sourceRef="More" targetRef="Inc" />
</bpmn:process></bpmn:definitions>""".encode()


def self_calling(process_id: str = "looping") -> bytes:
    """A none-start process whose call activity calls the process itself."""
    return chain(process_id, ("callActivity", "Again", f'calledElement="{process_id}"', ""), message=None)


def calls(process_id: str, called: str, message: str = "contact.created") -> bytes:
    """message start -> a call activity of `called` -> end."""
    return chain(process_id, ("callActivity", "Call", f'calledElement="{called}"', ""), message=message)


def ordinary(process_id: str = "ordinary", message: str = "lead.created") -> bytes:
    """message start -> one script -> end."""
    return chain(process_id, script_task("Work", "done = True"), message=message)


def reminders(process_id: str = "reminders", message: str = "lead.created") -> bytes:
    """A user task with a repeating non-interrupting timer (R3/PT1S) whose branch counts reminders."""
    msg = message.replace(".", "_")
    return f"""<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="Defs_{process_id}">
<bpmn:message id="Msg_{msg}" name="{message}" />
<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
<bpmn:startEvent id="S"><bpmn:messageEventDefinition messageRef="Msg_{msg}" /></bpmn:startEvent>
<bpmn:scriptTask id="Init" scriptFormat="python"><bpmn:script>reminders = 0</bpmn:script></bpmn:scriptTask>
<bpmn:userTask id="Work" name="Work" camunda:assignee="${{record.responsible_id}}" />
<bpmn:boundaryEvent id="Remind" attachedToRef="Work" cancelActivity="false">
<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:scriptTask id="Count" scriptFormat="python"><bpmn:script>reminders = reminders + 1</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="Done" /><bpmn:endEvent id="Reminded" />
<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Init" />
<bpmn:sequenceFlow id="F2" sourceRef="Init" targetRef="Work" />
<bpmn:sequenceFlow id="F3" sourceRef="Work" targetRef="Done" />
<bpmn:sequenceFlow id="F4" sourceRef="Remind" targetRef="Count" />
<bpmn:sequenceFlow id="F5" sourceRef="Count" targetRef="Reminded" />
</bpmn:process></bpmn:definitions>""".encode()
