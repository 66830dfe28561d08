"""Inline BPMN documents for the engine.spiff tests (no DI: the engine does not need it)."""

from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_test" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def document(body: str, process_id: str = "test_process", name: str = "Test", extra: str = "") -> bytes:
    """Wrap process elements into an executable process in a BPMN document."""
    process = f'<bpmn:process id="{process_id}" name="{name}" isExecutable="true">\n{body}\n</bpmn:process>\n'
    return (HEADER + process + extra + "</bpmn:definitions>\n").encode("utf-8")


def message(message_id: str, name: str) -> str:
    """A bpmn:message root element."""
    return f'<bpmn:message id="{message_id}" name="{name}" />\n'


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    """A sequence flow, optionally with a condition expression."""
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def service(task_id: str, topic: str, params: dict[str, str], name: str = "", extra_attrs: str = "") -> str:
    """An external service task with input parameters."""
    inputs = "".join(
        f'<camunda:inputParameter name="{k}">{v}</camunda:inputParameter>' for k, v in params.items()
    )
    return (
        f'<bpmn:serviceTask id="{task_id}" name="{name or task_id}" camunda:type="external" '
        f'camunda:topic="{topic}" {extra_attrs}><bpmn:extensionElements><camunda:inputOutput>{inputs}'
        "</camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>"
    )


def user_task(task_id: str, name: str = "", attrs: str = "", fields: str = "") -> str:
    """A user task with optional camunda attributes and camunda:formField elements."""
    form = f"<bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>"
    body = form if fields else ""
    return f'<bpmn:userTask id="{task_id}" name="{name or task_id}" {attrs}>{body}</bpmn:userTask>'


def start(event_id: str = "StartEvent", message_ref: str | None = None) -> str:
    """A none or message start event."""
    if message_ref is None:
        return f'<bpmn:startEvent id="{event_id}" />'
    return (
        f'<bpmn:startEvent id="{event_id}"><bpmn:messageEventDefinition '
        f'id="{event_id}_def" messageRef="{message_ref}" /></bpmn:startEvent>'
    )


def end(event_id: str = "EndEvent") -> str:
    """A none end event."""
    return f'<bpmn:endEvent id="{event_id}" />'


def chain(*ids: str) -> str:
    """Sequence flows joining the given element ids in order."""
    return "\n".join(flow(f"Flow_{a}_{b}", a, b) for a, b in zip(ids, ids[1:], strict=False))
