"""Inline diagrams for the event tests: named messages, signals, event subprocesses, timer starts."""
from __future__ import annotations

from tests.integration.engine.diagrams import NS


def process(process_id: str, body: str, *, messages: tuple[str, ...] = (), signals: tuple[str, ...] = (),
            errors: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A document with one executable process and its message/signal/error declarations."""
    decls = "".join(f'<bpmn:message id="M_{n.replace(".", "_")}" name="{n}" />' for n in messages)
    decls += "".join(f'<bpmn:signal id="S_{n.replace(".", "_")}" name="{n}" />' for n in signals)
    decls += "".join(f'<bpmn:error id="{i}" errorCode="{code}" />' for i, code in errors)
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="Defs_{process_id}">'
            f'{decls}<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
            f"{body}</bpmn:process></bpmn:definitions>").encode()


def flows(*ids: str) -> str:
    """Sequence flows joining the ids in order."""
    return "".join(f'<bpmn:sequenceFlow id="F_{a}_{b}" sourceRef="{a}" targetRef="{b}" />'
                   for a, b in zip(ids, ids[1:], strict=False))


def message_ref(name: str) -> str:
    return f'<bpmn:messageEventDefinition messageRef="M_{name.replace(".", "_")}" />'


def signal_ref(name: str) -> str:
    return f'<bpmn:signalEventDefinition signalRef="S_{name.replace(".", "_")}" />'


def timer(kind: str, text: str) -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition>"


def event(tag: str, element_id: str, definition: str = "", attrs: str = "") -> str:
    return f'<bpmn:{tag} id="{element_id}" {attrs}>{definition}</bpmn:{tag}>'


def task(element_id: str) -> str:
    return f'<bpmn:userTask id="{element_id}" name="{element_id}" />'


def event_subprocess(start_definition: str, *, interrupting: bool, inner: str = "Handle") -> str:
    """An event subprocess: start (with `start_definition`) -> user task `inner` -> end."""
    flag = "true" if interrupting else "false"
    return (f'<bpmn:subProcess id="Esp" triggeredByEvent="true">'
            f'<bpmn:startEvent id="EspStart" isInterrupting="{flag}">{start_definition}</bpmn:startEvent>'
            f'{task(inner)}<bpmn:endEvent id="EspEnd" />{flows("EspStart", inner, "EspEnd")}'
            "</bpmn:subProcess>")


def waiting_for_message(process_id: str, name: str) -> bytes:
    """none start -> message catch `name` -> user task Ship -> end."""
    body = (event("startEvent", "Begin") + event("intermediateCatchEvent", "WaitPaid", message_ref(name))
            + task("Ship") + event("endEvent", "Done") + flows("Begin", "WaitPaid", "Ship", "Done"))
    return process(process_id, body, messages=(name,))


def work_with_event_subprocess(process_id: str, start_definition: str, *, interrupting: bool,
                               messages: tuple[str, ...] = ()) -> bytes:
    """none start -> user task Work -> end, beside an event subprocess."""
    body = (event("startEvent", "Begin") + task("Work") + event("endEvent", "Done")
            + flows("Begin", "Work", "Done") + event_subprocess(start_definition, interrupting=interrupting))
    return process(process_id, body, messages=messages)
