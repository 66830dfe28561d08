"""Small BPMN diagrams (Camunda 7 dialect) built in code for the engine's integration tests."""
from __future__ import annotations

from io import BytesIO

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
      'targetNamespace="http://flowdesk.test/bpmn"')


def user_task(element_id: str, name: str, *, assignee: str | None = "${record.responsible_id}",
              fields: str = "", attrs: str = "") -> tuple[str, str, str]:
    """A user task with an optional camunda:formData body."""
    extra = f' camunda:assignee="{assignee}"' if assignee else ""
    body = (f"<bpmn:extensionElements><camunda:formData>{fields}</camunda:formData>"
            "</bpmn:extensionElements>") if fields else ""
    return ("userTask", element_id, f'name="{name}"{extra} {attrs}', body)


def enum_field(field_id: str, *options: str) -> str:
    values = "".join(f'<camunda:value id="{o}" name="{o.title()}" />' for o in options)
    return (f'<camunda:formField id="{field_id}" label="{field_id.title()}" type="enum">'
            f"{values}</camunda:formField>")


def service_task(element_id: str, topic: str, **params: str) -> tuple[str, str, str]:
    inputs = "".join(f'<camunda:inputParameter name="{k}">{v}</camunda:inputParameter>'
                     for k, v in params.items())
    body = (f"<bpmn:extensionElements><camunda:inputOutput>{inputs}</camunda:inputOutput>"
            "</bpmn:extensionElements>")
    return ("serviceTask", element_id, f'name="{element_id}" camunda:type="external" '
            f'camunda:topic="{topic}"', body)


def script_task(element_id: str, script: str) -> tuple[str, str, str]:
    return ("scriptTask", element_id, 'scriptFormat="python"', f"<bpmn:script>{script}</bpmn:script>")


def timer_catch(element_id: str, duration: str) -> tuple[str, str, str]:
    return ("intermediateCatchEvent", element_id, "",
            f'<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{duration}</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition>")


def message_catch(element_id: str, message: str, condition: str | None = None) -> tuple[str, str, str]:
    props = (f'<bpmn:extensionElements><camunda:properties><camunda:property name="condition" '
             f'value="{condition}" /></camunda:properties></bpmn:extensionElements>') if condition else ""
    return ("intermediateCatchEvent", element_id, "",
            f'{props}<bpmn:messageEventDefinition messageRef="{_message_id(message)}" />')


def _message_id(name: str) -> str:
    return "Msg_" + name.replace(".", "_")


def chain(process_id: str, *steps: tuple[str, str, str], message: str | None = "lead.created",
          name: str | None = None, extra: str = "", messages: tuple[str, ...] = (),
          start_props: str = "") -> bytes:
    """A straight process: start (message or none) -> steps -> end."""
    names = {m for m in (message, *messages) if m}
    for tag, _id, _attrs, body in steps:
        if tag == "intermediateCatchEvent" and "messageRef" in body:
            names.add(body.split('messageRef="Msg_')[1].split('"')[0].replace("_", ".", 1))
    decls = "".join(f'<bpmn:message id="{_message_id(m)}" name="{m}" />' for m in sorted(names))
    start_body = start_props
    if message:
        start_body += f'<bpmn:messageEventDefinition messageRef="{_message_id(message)}" />'
    ids = ["StartEvent_1"] + [s[1] for s in steps] + ["EndEvent_1"]
    elements = [f'<bpmn:startEvent id="StartEvent_1">{start_body}</bpmn:startEvent>']
    elements += [f'<bpmn:{tag} id="{eid}" {attrs}>{body}</bpmn:{tag}>' for tag, eid, attrs, body in steps]
    elements.append('<bpmn:endEvent id="EndEvent_1" />')
    flows = [f'<bpmn:sequenceFlow id="Flow_{i}" sourceRef="{a}" targetRef="{b}" />'
             for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))]
    body = "".join(elements + flows) + extra
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="Defs_{process_id}">'
            f'{decls}<bpmn:process id="{process_id}" name="{name or process_id}" isExecutable="true">'
            f"{body}</bpmn:process></bpmn:definitions>").encode()


def review_lead(process_id: str = "lead_review", message: str = "lead.created", **kw: object) -> bytes:
    """lead.created -> "Review lead" (assigned to the responsible) -> end."""
    return chain(process_id, user_task("Review", "Review lead", fields=enum_field("verdict", "good", "bad")),
                 message=message, **kw)


def upload(api, xml: bytes, filename: str = "diagram.bpmn"):
    """POST /api/v1/processes with the diagram as multipart field `file`."""
    return api.post("/processes", data={"file": (BytesIO(xml), filename)},
                    content_type="multipart/form-data")
