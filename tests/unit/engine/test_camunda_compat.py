"""The Camunda compatibility list: honoured attributes raise no warning, the rest are answered."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from engine import camunda_compat as compat
from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import validate_bpmn

ENGINE = Path(__file__).resolve().parents[3] / "engine"
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:x="http://example.com/x"')
# Child elements the engine reads inside the extensions it honours (not extensions themselves).
SUB_ELEMENTS = {"entry", "list", "map", "value", "script", "formField", "validation", "constraint",
                "property", "properties", "inputParameter", "outputParameter", "connectorId", "type"}


def warnings_of(body: str, process_attrs: str = "") -> list[dict]:
    xml = (f'<bpmn:definitions {NS}><bpmn:process id="P" isExecutable="true" {process_attrs}>{body}'
           "</bpmn:process></bpmn:definitions>")
    return compat.diagram_warnings(etree.fromstring(xml.encode()))


def test_every_camunda_name_the_engine_reads_is_honoured_or_refused():
    """Scan the engine for camunda attribute and extension names: none may end up as a warning."""
    patterns = [r'\b(?:c|cam|_cam|camunda)\("(\w+)"\)', r'attribute\("(\w+)", "camunda"',
                r"CAMUNDA\}\}\}(\w+)", r'"camunda:(\w+)"']
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        if path.name == "camunda_compat.py":
            continue
        text = path.read_text()
        for pattern in patterns:
            found.update(re.findall(pattern, text))
    from engine.spiff.parser import ASSIGNMENT_ATTRIBUTES

    found.update(ASSIGNMENT_ATTRIBUTES)
    known = (set(compat.HONOURED) | compat.REFUSED | set(compat.HONOURED_EXTENSIONS)
             | set(compat.REFUSED_EXTENSIONS) | SUB_ELEMENTS | {"formKey", "formRef"})
    assert found - known == set()
    assert {"assignee", "collection", "topic", "calledElementBinding", "versionTag"} <= found


def test_honoured_attributes_and_extensions_give_no_warning():
    body = (
        '<bpmn:userTask id="U" camunda:assignee="a" camunda:candidateUsers="b" camunda:candidateGroups="g" '
        'camunda:dueDate="${d}" camunda:followUpDate="${f}" camunda:priority="50" camunda:exclusive="true">'
        "<bpmn:extensionElements><camunda:formData><camunda:formField id=\"x\" type=\"long\" />"
        "</camunda:formData><camunda:properties><camunda:property name=\"k\" value=\"v\" />"
        "</camunda:properties><camunda:taskListener event=\"create\" expression=\"${task.id}\" />"
        "<camunda:inputOutput /></bpmn:extensionElements>"
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="items" camunda:elementVariable="i" />'
        "</bpmn:userTask>"
        '<bpmn:serviceTask id="S" camunda:type="external" camunda:topic="t" camunda:resultVariable="r" '
        'camunda:modelerTemplate="flowdesk.crm.add_comment" camunda:modelerTemplateVersion="1" />'
        '<bpmn:callActivity id="C" calledElement="x" camunda:calledElementBinding="versionTag" '
        'camunda:calledElementVersionTag="1"><bpmn:extensionElements><camunda:in variables="all" />'
        "<camunda:out variables=\"all\" /></bpmn:extensionElements></bpmn:callActivity>"
        '<bpmn:boundaryEvent id="B" attachedToRef="C"><bpmn:errorEventDefinition '
        'camunda:errorCodeVariable="code" camunda:errorMessageVariable="msg" /></bpmn:boundaryEvent>'
    )
    attrs = 'camunda:versionTag="1" camunda:candidateStarterUsers="u" camunda:candidateStarterGroups="g"'
    assert warnings_of(body, attrs) == []
    async_task = '<bpmn:scriptTask id="A" camunda:asyncBefore="true" camunda:asyncAfter="true" />'
    assert warnings_of(async_task) == []


def test_accepted_and_unknown_attributes_are_warnings_naming_the_element():
    body = ('<bpmn:scriptTask id="A" camunda:taskPriority="2" '
            'camunda:jobPriority="1" camunda:resultVariable="r" camunda:bogus="x">'
            "<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>R3/PT1M"
            "</camunda:failedJobRetryTimeCycle><x:meta id=\"A\" /></bpmn:extensionElements></bpmn:scriptTask>"
            '<bpmn:manualTask id="M" />')
    found = warnings_of(body, 'camunda:historyTimeToLive="30" camunda:isStartableInTasklist="false"')
    by_element: dict[str, list[str]] = {}
    for w in found:
        by_element.setdefault(w["element"], []).append(w["message"])
    starts = lambda element, text: any(m.startswith(text) for m in by_element[element])  # noqa: E731
    assert starts("P", "camunda:isStartableInTasklist")
    assert not starts("P", "camunda:historyTimeToLive")  # honoured: engine.history_cleanup
    assert not starts("A", "camunda:failedJobRetryTimeCycle")  # honoured: engine.spiff.async_retry
    for text in ("camunda:taskPriority", "camunda:jobPriority",
                 "camunda:bogus is not supported on a scriptTask",
                 "camunda:resultVariable is not supported on a scriptTask", "the http://example.com/x"):
        assert starts("A", text), (text, by_element["A"])
    assert starts("M", "bpmn:manualTask: an inbox to-do")


def test_refused_extensions_name_the_element_and_the_connector():
    xml = (f'<bpmn:definitions {NS}><bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S" />'
           '<bpmn:serviceTask id="Http" camunda:type="external" camunda:topic="crm.add_comment">'
           "<bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector"
           "</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>"
           '<bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Http" /></bpmn:process></bpmn:definitions>')
    errors = validate_bpmn(xml.encode(), STANDARD_TOPICS).errors
    assert any(e["element"] == "Http" and "http-connector" in e["message"] for e in errors), errors


def test_the_table_lists_every_name_once_with_a_status():
    rows = compat.compatibility_table()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    assert {r["status"] for r in rows} == {"honoured", "refused", "warning"}
    assert {"name": "camunda:class", "status": "refused",
            "note": "refused at upload naming the element"} in rows


def test_camunda_forms_are_honoured_and_other_form_keys_warned():
    body = ('<bpmn:userTask id="R" camunda:formRef="f" camunda:formRefBinding="version" '
            'camunda:formRefVersion="2" />'
            '<bpmn:userTask id="K" camunda:formKey="camunda-forms:deployment:f.form" />'
            '<bpmn:userTask id="E" camunda:formKey="embedded:app:forms/f.html" />'
            '<bpmn:startEvent id="S" camunda:formRef="f" camunda:formRefBinding="deployment" />'
            '<bpmn:startEvent id="T" camunda:formKey="camunda-forms:deployment:f.form" />')
    found = warnings_of(body)
    assert [w["element"] for w in found] == ["E"] and "camunda-forms:deployment" in found[0]["message"]
