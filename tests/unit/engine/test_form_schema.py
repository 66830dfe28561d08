"""Camunda Forms (form-js) on the server: schema checks at upload and submitted data checks."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from engine.form_schema import (
    FormSchemaError,
    clean_submission,
    feel_warnings,
    field_keys,
    parse_schema,
    task_form_ref,
)


def form(*components: dict) -> dict:
    return {"id": "f", "type": "default", "components": list(components)}


TEXT = {"type": "textfield", "key": "name", "label": "Name",
        "validate": {"required": True, "minLength": 2, "maxLength": 5, "pattern": "[A-Z][a-z]*"}}
NUMBER = {"type": "number", "key": "n", "validate": {"min": 1, "max": 10}, "decimalDigits": 1}
SELECT = {"type": "select", "key": "s",
          "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]}
RADIO = dict(SELECT, type="radio", key="r")
CHECKLIST = dict(SELECT, type="checklist", key="c")
DATE = {"type": "datetime", "key": "d", "subtype": "date"}
EMAIL = {"type": "textfield", "key": "e", "validate": {"validationType": "email"}}
LOCKED = {"type": "textfield", "key": "lock", "readonly": True}
OFF = {"type": "number", "key": "off", "disabled": True}
CHECK = {"type": "checkbox", "key": "ok"}
GROUP = {"type": "group", "path": "addr", "components": [{"type": "textfield", "key": "city",
                                                          "validate": {"required": True}}]}
SCHEMA = form(TEXT, NUMBER, SELECT, RADIO, CHECKLIST, DATE, EMAIL, LOCKED, OFF, CHECK, GROUP,
              {"type": "button", "action": "submit"}, {"type": "text", "text": "# Hi"})
VALID = {"name": "Ann", "addr": {"city": "Oslo"}}


def errors(data: dict, current: dict | None = None) -> dict:
    return clean_submission(SCHEMA, data, current).errors


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": None}, "name", "required"),
    ({"name": ""}, "name", "required"),
    ({"name": "A"}, "name", "At least 2"),
    ({"name": "Annabel"}, "name", "At most 5"),
    ({"name": "ann"}, "name", "pattern"),
    ({"name": 5}, "name", "Expected text"),
    ({"n": 0}, "n", "At least 1"),
    ({"n": 11}, "n", "At most 10"),
    ({"n": "3"}, "n", "Expected a number"),
    ({"n": True}, "n", "Expected a number"),
    ({"n": 1.25}, "n", "decimal"),
    ({"s": "z"}, "s", "one of a, b"),
    ({"r": 1}, "r", "one of"),
    ({"c": ["a", "z"]}, "c", "one of"),
    ({"c": "a"}, "c", "list"),
    ({"d": "31/12/2024"}, "d", "date"),
    ({"e": "nope"}, "e", "email"),
    ({"ok": "yes"}, "ok", "true or false"),
    ({"lock": "changed"}, "lock", "read-only"),
    ({"off": 3}, "off", "read-only"),
    ({"addr": {}}, "addr.city", "required"),
    ({"salary": 1}, "salary", "Unknown field"),
])
def test_each_rule_names_its_field(data, field, message):
    found = errors({**VALID, **data})
    assert field in found and message in found[field], found


def test_valid_data_becomes_the_variables_and_locked_fields_are_never_taken():
    result = clean_submission(SCHEMA, {**VALID, "n": 2.5, "s": "a", "r": "b", "c": ["a", "b"],
                                       "d": "2024-12-31", "e": "a@b.co", "ok": False, "lock": "kept"},
                              {"lock": "kept"})
    assert result.ok
    assert result.values == {"name": "Ann", "n": 2.5, "s": "a", "r": "b", "c": ["a", "b"], "d": "2024-12-31",
                             "e": "a@b.co", "ok": False, "addr": {"city": "Oslo"}}
    assert "lock" not in result.values and "off" not in result.values
    computed = form({"type": "expression", "key": "total", "expression": "=1 + 1"})
    assert clean_submission(computed, {"total": 2}).values == {}
    defaulted = form(dict(LOCKED, defaultValue="std"))
    assert clean_submission(defaulted, {"lock": "std"}).ok
    assert not clean_submission(defaulted, {"lock": "x"}).ok
    assert clean_submission(SCHEMA, "text").errors == {"data": "Expected an object of form values"}


def test_hidden_fields_are_not_required_and_unknown_dynamic_options_are_not_bounded():
    schema = form(dict(TEXT, conditional={"hide": "=true"}),
                  {"type": "select", "key": "x", "valuesKey": "opts"})
    assert clean_submission(schema, {"x": "anything"}).ok


def test_options_of_a_values_key_variable_bound_the_choice():
    schema = form({"type": "select", "key": "x", "valuesKey": "opts"},
                  {"type": "checklist", "key": "y", "valuesKey": "plain"})
    current = {"opts": [{"label": "A", "value": "a"}], "plain": ["p", "q"]}
    assert clean_submission(schema, {"x": "a", "y": ["q"]}, current).ok
    found = clean_submission(schema, {"x": "zzz", "y": ["p", "r"]}, current).errors
    assert "one of a" in found["x"] and "one of p, q" in found["y"], found


def test_a_feel_readonly_locks_the_field_when_true_and_when_it_cannot_be_evaluated():
    schema = form(dict(TEXT, key="code", readonly="=status = \"closed\"", validate={}),
                  dict(TEXT, key="note", readonly="=upper(status) = \"X\"", validate={}))
    assert clean_submission(schema, {"code": "New"}, {"status": "open"}).values == {"code": "New"}
    closed = clean_submission(schema, {"code": "New"}, {"status": "closed", "code": "Old"})
    assert "read-only" in closed.errors["code"], closed.errors
    assert "read-only" in clean_submission(schema, {"note": "Hi"}, {"status": "x"}).errors["note"]
    [warning] = feel_warnings(schema)
    assert "'note'" in warning and "readonly" in warning and "read-only there" in warning


def test_schema_checks_name_the_form_and_component():
    assert parse_schema(json.dumps(SCHEMA).encode())["id"] == "f"
    assert field_keys(SCHEMA) == ["name", "n", "s", "r", "c", "d", "e", "lock", "off", "ok", "addr"]
    for data, text in [(b"{", "not JSON"), (b"[]", "JSON object"), (b'{"components": []}', 'no "id"'),
                       (b'{"id": "f"}', "components"),
                       (json.dumps(form({"type": "textfield", "id": "Field_9"})).encode(), "Field_9"),
                       (json.dumps(form(TEXT, TEXT)).encode(), "used twice"),
                       (json.dumps(form(dict(TEXT, validate={"pattern": "("}))).encode(),
                        "regular expression")]:
        with pytest.raises(FormSchemaError, match=text):
            parse_schema(data, "x.form")


def test_a_user_task_names_its_form_by_ref_or_camunda_forms_key():
    def task(attrs: str):
        return etree.fromstring(f'<userTask xmlns:camunda="http://camunda.org/schema/1.0/bpmn" {attrs}/>')

    pinned = task('camunda:formRef="a" camunda:formRefBinding="version" camunda:formRefVersion="2"')
    assert task_form_ref(pinned) == {"ref": "a", "binding": "version", "version": "2", "by": "formRef"}
    assert task_form_ref(task('camunda:formKey="camunda-forms:deployment:a.form"'))["binding"] == "resource"
    assert task_form_ref(task('camunda:formKey="embedded:app:a.html"')) is None


def test_the_per_version_form_cache_stays_bounded(monkeypatch):
    from types import SimpleNamespace

    from engine import camunda_forms

    monkeypatch.setattr(camunda_forms, "_REFS", {})
    bpmn = ('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
            '<process id="p"><startEvent id="s"/></process></definitions>')
    for n in range(camunda_forms._REFS_KEPT * 2):
        version = SimpleNamespace(id=n, bpmn_sha256=str(n), bpmn=bpmn, process_id="p")
        assert camunda_forms.element_forms(version) == {}
    assert len(camunda_forms._REFS) <= camunda_forms._REFS_KEPT
