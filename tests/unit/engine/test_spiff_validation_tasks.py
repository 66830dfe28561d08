"""engine.spiff.validation of what tasks carry: forms, call activities, multi-instance."""
from __future__ import annotations

from engine.spiff.runner import deserialize_spec
from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import validate_bpmn
from tests.unit.engine.spiff_diagrams import chain, end, start, user_task
from tests.unit.engine.validation_support import has, problems, simple


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
