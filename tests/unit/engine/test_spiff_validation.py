"""engine.spiff.validation: every problem of an upload is collected, with element ids."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.spiff.runner import deserialize_spec
from engine.spiff.topics import STANDARD_TOPICS, TopicSpec
from engine.spiff.validation import MAX_PATH, validate_bpmn
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, message, service, start, user_task

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


def problems(xml: bytes, topics: dict | None = None, **kwargs: object) -> list[tuple[str | None, str]]:
    """(element, message) pairs of a validation."""
    result = validate_bpmn(xml, STANDARD_TOPICS if topics is None else topics, **kwargs)
    return [(error["element"], error["message"]) for error in result.errors]


def has(found: list[tuple[str | None, str]], element: str | None, text: str) -> bool:
    """Whether a problem on `element` mentions `text`."""
    return any(e == element and text in message for e, message in found)


def simple(*body: str, extra: str = "") -> bytes:
    """A document with a none start, the body and an end, chained in order of ids given."""
    return document("\n".join(body), extra=extra)


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


def test_form_definitions_are_checked() -> None:
    fields = (
        '<camunda:formField id="a" type="string" />'
        '<camunda:formField id="a" type="long" defaultValue="x" />'
        '<camunda:formField type="string" label="No id" />'
        '<camunda:formField id="e" type="enum" />'
        '<camunda:formField id="e2" type="enum" defaultValue="maybe"><camunda:value id="yes" name="Yes" />'
        "</camunda:formField>"
        '<camunda:formField id="t" type="color" />'
        '<camunda:formField id="b" type="boolean" defaultValue="perhaps" />'
        '<camunda:formField id="d" type="date" defaultValue="tomorrow" />'
        '<camunda:formField id="n" type="long"><camunda:validation>'
        '<camunda:constraint name="min" config="10" />'
        '<camunda:constraint name="max" config="5" /></camunda:validation></camunda:formField>'
        '<camunda:formField id="s" type="string"><camunda:validation>'
        '<camunda:constraint name="min" config="1" />'
        '<camunda:constraint name="maxlength" config="many" '
        '/><camunda:constraint name="pattern" config="x" />'
        "</camunda:validation></camunda:formField>"
        '<camunda:formField id="m" type="long"><camunda:validation>'
        '<camunda:constraint name="max" config="ten" />'
        "</camunda:validation></camunda:formField>"
        '<camunda:formField id="r" type="long" defaultValue="50"><camunda:validation>'
        '<camunda:constraint name="max" config="10" /></camunda:validation></camunda:formField>'
        '<camunda:formField id="ok" type="date" defaultValue="${today()}" />'
        '<camunda:formField id="bad_expr" type="string" defaultValue="${1 +}" />'
        '<camunda:formField id="typename" type="string" />'
    )
    xml = simple(
        start("Begin"), user_task("Form", fields=fields), end("Finish"), chain("Begin", "Form", "Finish")
    )
    found = problems(xml)
    for text in [
        "form field id 'a' is used twice",
        "form field 'a': default value 'x' does not fit",
        "form field #3 has no id",
        "form field 'e': an enum field needs at least one value",
        "form field 'e2': default value 'maybe' does not fit: must be one of yes",
        "form field 't': unknown type 'color'",
        "form field 'b': default value 'perhaps' does not fit",
        "form field 'd': default value 'tomorrow' does not fit",
        "form field 'n': min 10 is greater than max 5",
        "form field 's': min only applies to long and date fields",
        "form field 's': maxlength needs a whole number",
        "form field 's': unknown validation constraint 'pattern'",
        "form field 'm': max needs a whole number, not 'ten'",
        "form field 'r': default value '50' does not fit: must be at most 10",
        "form field 'bad_expr': default value: expected a value",
        "form field 'typename': the id must be a Python identifier",
    ]:
        assert has(found, "Form", text), (text, found)
    assert not any("'ok'" in message for _, message in found)


def test_external_forms_deploy_with_a_warning() -> None:
    xml = simple(
        start("Begin"),
        user_task("Form", attrs='camunda:formKey="embedded:app:forms/x.html"'),
        end("Finish"),
        chain("Begin", "Form", "Finish"),
    )
    result = validate_bpmn(xml, STANDARD_TOPICS)
    assert result.errors == []
    assert [w for w in result.warnings if w["element"] == "Form" and "camunda:formKey" in w["message"]]


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


def test_call_activities() -> None:
    called = (
        '<bpmn:process id="helper" isExecutable="true"><bpmn:startEvent id="HStart" />'
        '<bpmn:endEvent id="HEnd" /><bpmn:sequenceFlow id="HF" '
        'sourceRef="HStart" targetRef="HEnd" /></bpmn:process>'
    )
    body = [
        start("Begin"),
        '<bpmn:callActivity id="Call" calledElement="helper" />',
        end("Finish"),
        chain("Begin", "Call", "Finish"),
    ]
    result = validate_bpmn(simple(*body, extra=called), STANDARD_TOPICS)
    assert result.errors == [] and result.called_processes == ["helper"]
    spec, subprocess_specs = deserialize_spec(result.spec_blob)
    assert subprocess_specs == {}, "called processes run as child instances, never inlined"
    not_executable = simple(*body, extra=called.replace('isExecutable="true"', 'isExecutable="false"'))
    assert has(problems(not_executable), "Call", 'is marked isExecutable="false"')
    outside = [
        start("Begin"),
        '<bpmn:callActivity id="Call" calledElement="billing" />',
        end("Finish"),
        chain("Begin", "Call", "Finish"),
    ]
    deployed = validate_bpmn(simple(*outside), STANDARD_TOPICS)
    assert deployed.errors == [] and deployed.spec_blob, "another file's process is resolved at run time"


def test_call_activity_bindings_and_mappings_are_checked() -> None:
    def call(attrs: str, mappings: str = "") -> list[str]:
        return [start("Begin"), f'<bpmn:callActivity id="Call" calledElement="billing" {attrs}>'
                f"<bpmn:extensionElements>{mappings}</bpmn:extensionElements></bpmn:callActivity>",
                end("Finish"), chain("Begin", "Call", "Finish")]

    ok = call('camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v1"',
              '<camunda:in source="a" target="b" /><camunda:in variables="all" />'
              '<camunda:in businessKey="${record.id}" />'
              '<camunda:out sourceExpression="${x + 1}" target="y" />')
    assert problems(simple(*ok)) == []
    assert has(problems(simple(*call('camunda:calledElementBinding="newest"'))), "Call", "is not one of")
    bad_version = 'camunda:calledElementBinding="version" camunda:calledElementVersion="x"'
    assert has(problems(simple(*call(bad_version))), "Call", "is not a version number")
    assert has(problems(simple(*call("", '<camunda:in source="a" />'))), "Call", "camunda:in needs a target")
    java = 'camunda:variableMappingClass="com.example.Mapping"'
    assert has(problems(simple(*call(java))), "Call", "(Java)")
    by_expression = simple(*call("")).replace(b'calledElement="billing"', b'calledElement="${kind +}"')
    assert has(problems(by_expression), "Call", "calledElement")
    assert problems(by_expression.replace(b"${kind +}", b"${kind}")) == []
    assert has(problems(simple(*call("", '<camunda:out sourceExpression="${x +}" target="y" />'))),
               "Call", "camunda:out y")


def test_multi_instance_attributes_are_checked() -> None:
    def work(characteristics: str) -> str:
        return simple(start("Begin"), f'<bpmn:task id="Work">{characteristics}</bpmn:task>', end("Finish"),
                      chain("Begin", "Work", "Finish"))

    assert problems(work('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${items}" '
                         'camunda:elementVariable="item" />')) == []
    empty = "<bpmn:multiInstanceLoopCharacteristics />"
    assert has(problems(work(empty)), "Work", "needs camunda:collection")
    assert has(problems(work('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${items +}" />')),
               "Work", "camunda:collection")
    assert has(problems(work('<bpmn:multiInstanceLoopCharacteristics camunda:collection="a b" />')),
               "Work", "neither a variable name")


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
