"""engine.spiff.validation: every problem of an upload is collected, with element ids."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.spiff.runner import deserialize_spec
from engine.spiff.topics import STANDARD_TOPICS, TopicSpec
from engine.spiff.validation import MAX_PATH, validate_bpmn
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, message, service, start, user_task
from tests.unit.engine.validation_support import has, problems, simple

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


@pytest.mark.parametrize(
    "filename, process_id, name, message_name",
    [
        ("process_lead.bpmn", "process_lead", "Process lead", "lead.created"),
        ("perform_in_stages.bpmn", "perform_in_stages", "Perform in stages", "deal.created"),
    ],
)
def test_shipped_diagrams_are_valid(filename: str, process_id: str, name: str, message_name: str) -> None:
    result = validate_bpmn((PROCESSES / filename).read_bytes(), STANDARD_TOPICS)
    assert result.errors == []
    assert result.ok
    assert (result.process_id, result.name) == (process_id, name)
    assert [tuple(start) for start in result.message_starts] == [(result.message_starts[0][0], message_name)]
    assert result.message_starts[0].message == message_name
    assert vars(result.message_starts[0])["element_id"] == result.message_starts[0][0]
    spec, subprocess_specs = deserialize_spec(result.spec_blob)
    assert spec.name == process_id and subprocess_specs == {}
    assert set(result.topics) <= set(STANDARD_TOPICS)


def test_many_problems_are_collected_at_once() -> None:
    xml = simple(
        start("Begin"),
        service("S1", "crm.unknown", {"a": "1"}),
        service("S2", "crm.update_record", {"entity": "lead", "bogus": "${x +}", "fields": "Lead ${x}"}),
        '<bpmn:serviceTask id="S3" camunda:class="com.example.Delegate" />',
        '<bpmn:complexGateway id="Complex" />',
        '<bpmn:manualTask id="Manual" />',
        '<bpmn:scriptTask id="Gr" scriptFormat="groovy">'
        "<bpmn:script>def x = 1</bpmn:script></bpmn:scriptTask>",
        '<bpmn:scriptTask id="Imp"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>',
        '<bpmn:exclusiveGateway id="Gw" default="Flow_elsewhere" />',
        user_task("U", attrs='camunda:assignee="${record.}" camunda:candidateGroups="sales, ${1 +}"'),
        '<bpmn:intermediateCatchEvent id="T1"><bpmn:timerEventDefinition><bpmn:timeDuration>5 minutes'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        '<bpmn:intermediateCatchEvent id="T2"><bpmn:timerEventDefinition><bpmn:timeDuration>${delay +}'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        '<bpmn:callActivity id="Call" calledElement="elsewhere" camunda:calledElementBinding="version" />',
        end("Finish"),
        flow("F1", "Begin", "S1"),
        flow("F2", "Nowhere", "Gw"),
        flow("F3", "Gw", "Missing"),
        flow("F4", "Gw", "S2", "${a ==}"),
        flow("F5", "Gw", "S3"),
        flow("F6", "S2", "Finish", "${True}"),
        flow("F7", "Ghost", "Phantom"),
    )
    found = problems(xml)
    expected = [
        ("S1", "unknown topic 'crm.unknown'"),
        ("S2", "has no parameter 'bogus'"),
        ("S2", "parameter 'bogus': expected a value but found the end of the expression (at column 6)"),
        ("S2", "needs the parameter 'id'"),
        ("S3", "the Java class 'com.example.Delegate' (camunda:class) cannot run here"),
        ("S3", 'camunda:type="external"'),
        ("Complex", "complex gateways are not supported"),
        ("Gr", "script format 'groovy' is not supported: use python or javascript"),
        ("Imp", "Imports are not allowed"),
        ("Gw", "default flow 'Flow_elsewhere' does not leave this gateway"),
        ("U", "camunda:assignee: expected a property name"),
        ("U", "camunda:candidateGroups: expected a value"),
        ("T1", "'5 minutes' is not an ISO 8601 duration"),
        ("T2", "timer timeDuration: expected a value"),
        ("Call", 'calledElementBinding="version" needs camunda:calledElementVersion'),
        ("F2", "sourceRef 'Nowhere'"),
        ("F3", "targetRef 'Missing'"),
        ("F4", "condition: expected a value but found the end of the expression (at column 7)"),
        ("F5", "needs a condition"),
        ("F6", "only evaluated on flows leaving exclusive or inclusive gateways"),
        ("F7", "sourceRef 'Ghost'"),
        ("F7", "targetRef 'Phantom'"),
    ]
    missing = [item for item in expected if not has(found, *item)]
    assert missing == [], found


def test_malformed_xml_reports_the_line() -> None:
    found = problems(b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="x">\n  <a>\n</bpmn:definitions>')
    assert found and found[0][0] is None
    assert "malformed XML at line 4" in found[0][1]


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.com/evil.dtd"><d/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "b">]><d>&a;</d>'.encode("utf-16"),
    ],
)
def test_dtds_and_entities_are_refused(xml: bytes) -> None:
    found = problems(xml)
    assert len(found) == 1
    assert "DOCTYPE" in found[0][1]


def test_not_bpmn_and_no_executable_process() -> None:
    assert "not BPMN 2.0" in problems(b"<root/>")[0][1]
    xml = document(start("Begin")).replace(b'isExecutable="true"', b'isExecutable="false"')
    assert problems(xml) == [(None, 'no executable process: every process is marked isExecutable="false"')]
    unmarked = document(start("Begin")).replace(b' isExecutable="true"', b"")
    assert problems(unmarked) == [], "Camunda runs a process without isExecutable"


def test_unsupported_events_and_compensation() -> None:
    xml = simple(
        '<bpmn:startEvent id="TimerStart"><bpmn:timerEventDefinition><bpmn:timeCycle>${every}'
        "</bpmn:timeCycle>"
        "</bpmn:timerEventDefinition></bpmn:startEvent>",
        '<bpmn:intermediateThrowEvent id="Signal">'
        '<bpmn:linkEventDefinition name="Nowhere" /></bpmn:intermediateThrowEvent>',
        '<bpmn:intermediateThrowEvent id="Throw"><bpmn:messageEventDefinition messageRef="M" />'
        "</bpmn:intermediateThrowEvent>",
        user_task("Work"),
        '<bpmn:boundaryEvent id="Comp" attachedToRef="Work"><bpmn:compensateEventDefinition />'
        "</bpmn:boundaryEvent>",
        '<bpmn:task id="Undo" isForCompensation="true" />',
        '<bpmn:sendTask id="Send" />',
        '<bpmn:receiveTask id="Receive" />',
        '<bpmn:businessRuleTask id="Rules" />',
        '<bpmn:transaction id="Tx" />',
        '<bpmn:intermediateCatchEvent id="Cond">'
        "<bpmn:conditionalEventDefinition><bpmn:condition>x</bpmn:condition>"
        "</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>",
        '<bpmn:boundaryEvent id="Orphan" attachedToRef="Nothing"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>",
        chain("TimerStart", "Work"),
        extra=message("M", "deal.updated"),
    )
    found = problems(xml)
    for element, text in [
        ("TimerStart", "a timer start event cannot use expressions"),
        ("Signal", "no link catch event named 'Nowhere'"),
        ("Comp", "compensation boundaryEvents are not supported"),
        ("Undo", "compensation is not supported"),
        ("Send", "the send task names no message (messageRef)"),
        ("Receive", "the message event refers to no known message"),
        ("Rules", "business rule"),
        ("Tx", "transactions"),
        ("Cond", "conditional intermediateCatchEvents are not supported"),
        ("Cond", "not on every variable change as Camunda does"),
        ("Comp", "has no compensation"),
        ("Orphan", "not to an activity"),
    ]:
        assert has(found, element, text), (element, found)
    assert not [problem for problem in found if problem[0] == "Throw"], "message throws deploy"


def test_message_throws_deploy_unless_implemented_in_java_or_as_external_tasks() -> None:
    xml = simple(
        start("Begin"),
        '<bpmn:intermediateThrowEvent id="Throw"><bpmn:messageEventDefinition messageRef="M" />'
        "</bpmn:intermediateThrowEvent>",
        '<bpmn:sendTask id="Send" messageRef="M" />',
        '<bpmn:endEvent id="Done"><bpmn:messageEventDefinition messageRef="M" /></bpmn:endEvent>',
        chain("Begin", "Throw", "Send", "Done"),
        extra=message("M", "order.shipped"),
    )
    assert problems(xml) == []
    java = simple(
        start("Begin"),
        '<bpmn:intermediateThrowEvent id="Throw"><bpmn:messageEventDefinition messageRef="M" '
        'camunda:class="org.example.Mailer" /></bpmn:intermediateThrowEvent>',
        '<bpmn:sendTask id="Send" messageRef="M" camunda:delegateExpression="${mailer}" />',
        '<bpmn:endEvent id="Done"><bpmn:messageEventDefinition messageRef="M" camunda:type="external" '
        'camunda:topic="mail.send" /></bpmn:endEvent>',
        chain("Begin", "Throw", "Send", "Done"),
        extra=message("M", "order.shipped"),
    )
    found = problems(java)
    assert has(found, "Throw", "org.example.Mailer"), found
    assert has(found, "Send", "${mailer}"), found
    assert has(found, "Done", "an external task on a message throw or send task is not supported"), found


def test_topics_given_as_sets_or_specs() -> None:
    xml = simple(
        start("Begin"),
        service("Notify", "custom.notify", {"who": "${initiator}", "extra": "1"}),
        end("Finish"),
        chain("Begin", "Notify", "Finish"),
    )
    assert problems(xml, {"custom.notify": {"who", "extra"}}) == []
    found = problems(xml, {"custom.notify": TopicSpec("custom.notify", {"who": True, "text": True})})
    assert has(found, "Notify", "has no parameter 'extra'")
    assert has(found, "Notify", "needs the parameter 'text'")
    assert problems(xml, {}) == []  # no activity serves it: an external worker's topic (/engine-rest)
    assert has(problems(xml, {"custom.other": set()}), "Notify",  # an activity namespace: a typo
               "unknown topic 'custom.notify' (known topics: custom.other)")


def long_chain(steps: int) -> bytes:
    """A process of `steps` script tasks in a row."""
    tasks = [
        f'<bpmn:scriptTask id="Step{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
        for i in range(steps)
    ]
    ids = ["Begin", *[f"Step{i}" for i in range(steps)], "Finish"]
    return simple(start("Begin"), *tasks, end("Finish"), chain(*ids))


def test_paths_too_long_are_refused_with_the_reason() -> None:
    assert problems(long_chain(MAX_PATH - 2)) == []
    found = problems(long_chain(MAX_PATH + 50))
    assert len(found) == 1
    element, text = found[0]
    assert element == "test_process"
    assert f"more than {MAX_PATH}" in text and "1,000" in text and "call activities" in text


def test_a_very_deep_process_is_refused_quickly_without_recursion_errors() -> None:
    started = time.monotonic()
    found = problems(long_chain(2000))
    assert len(found) == 1 and "longest path has 2002 steps" in found[0][1]
    assert time.monotonic() - started < 10


def test_loops_count_their_nodes_once() -> None:
    body = [
        start("Begin"),
        '<bpmn:exclusiveGateway id="Merge" />',
        user_task("Work"),
        '<bpmn:exclusiveGateway id="Again" default="Flow_done" />',
        end("Finish"),
        chain("Begin", "Merge", "Work", "Again"),
        flow("Flow_loop", "Again", "Merge", "${retry}"),
        flow("Flow_done", "Again", "Finish"),
    ]
    assert problems(simple(*body)) == []


def test_duplicate_and_reserved_ids() -> None:
    xml = simple(
        start("Start"), user_task("Work"), user_task("Work"), end("End"), chain("Start", "Work", "End")
    )
    found = problems(xml)
    assert has(found, "Work", "used by 2 elements")
    assert not has(found, "Start", "reserved"), "Start and End are ordinary ids, as in Camunda"
    assert not has(found, "End", "reserved")
    root = simple(start("Root"), end("Finish"), chain("Root", "Finish"))
    assert has(problems(root), "Root", "reserved by the engine")


def test_start_and_end_ids_are_renamed_inside_spiffworkflow_only() -> None:
    from engine.spiff.runner import load_spec

    xml = simple(start("Start"), user_task("Work"), end("End"), chain("Start", "Work", "End"))
    assert problems(xml) == []
    spec, _ = load_spec(xml, "test_process")
    ids = {name: getattr(task_spec, "bpmn_id", None) for name, task_spec in spec.task_specs.items()}
    assert ids["Start__element"] == "Start" and ids["End__element"] == "End"
    assert ids["Start"] is None and ids["End"] is None  # SpiffWorkflow's own start and end


def test_message_start_properties_and_conditions() -> None:
    body = [
        '<bpmn:startEvent id="Begin"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="fields" value="stage, amount" />'
        '<camunda:property name="condition" value="${event.changes.stage[1] == \'WON\'}" />'
        "</camunda:properties></bpmn:extensionElements>"
        '<bpmn:messageEventDefinition id="Md" messageRef="M" /></bpmn:startEvent>',
        '<bpmn:intermediateCatchEvent id="Wait"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="condition" value="${event.x '
        '==}" /></camunda:properties></bpmn:extensionElements>'
        '<bpmn:messageEventDefinition id="Md2" messageRef="Nope" /></bpmn:intermediateCatchEvent>',
        end("Finish"),
        chain("Begin", "Wait", "Finish"),
    ]
    result = validate_bpmn(simple(*body, extra=message("M", "deal.updated")), STANDARD_TOPICS)
    found = [(e["element"], e["message"]) for e in result.errors]
    assert has(found, "Wait", "message condition: expected a value")
    assert has(found, "Wait", "refers to no known message ('Nope')")
    assert result.message_starts == [("Begin", "deal.updated")]
    assert result.message_starts[0].properties == {
        "fields": "stage, amount",
        "condition": "${event.changes.stage[1] == 'WON'}",
    }
