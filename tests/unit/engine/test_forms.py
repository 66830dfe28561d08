"""engine.forms: completion data checked per field against camunda:formData fields."""
from __future__ import annotations

import pytest

from engine.forms import clean_form, coerce_default, validate_form

FORM = [
    {"id": "decision", "type": "enum", "label": "Decision", "required": True,
     "options": [{"id": "convert", "name": "Convert"}, {"id": "junk", "name": "Junk"}]},
    {"id": "comment", "type": "string", "label": "Comment", "maxlength": 20},
    {"id": "budget", "type": "long", "label": "Budget", "min": 0, "max": 1000, "default": "10"},
    {"id": "urgent", "type": "boolean", "label": "Urgent", "default": "false"},
    {"id": "due", "type": "date", "label": "Due", "min": "2024-01-01"},
]


def test_valid_data_is_coerced_and_defaults_fill_the_rest():
    result = clean_form(FORM, {"decision": "convert", "budget": "250", "urgent": "true",
                               "due": "2024-05-01"})
    assert result.ok
    assert result.values == {"decision": "convert", "comment": None, "budget": 250, "urgent": True,
                             "due": "2024-05-01"}
    assert clean_form(FORM, {"decision": "junk"}).values["budget"] == 10
    assert clean_form(FORM, {"decision": "junk"}).values["urgent"] is False


def test_every_bad_field_is_named():
    errors = validate_form(FORM, {"decision": "maybe", "comment": "x" * 21, "budget": 5000,
                                  "urgent": "perhaps", "due": "yesterday", "extra": 1})
    assert set(errors) == {"decision", "comment", "budget", "urgent", "due", "extra"}
    assert "convert, junk" in errors["decision"]
    assert errors["extra"] == "Unknown field"
    assert errors["budget"] == "At most 1000"


def test_required_fields():
    assert validate_form(FORM, {}) == {"decision": "This field is required"}
    assert validate_form(FORM, {"decision": ""}) == {"decision": "This field is required"}
    required_flag = [{"id": "ok", "type": "boolean", "required": True}]
    assert validate_form(required_flag, {"ok": False}) == {}
    assert validate_form(required_flag, {}) == {"ok": "This field is required"}


@pytest.mark.parametrize("value, error", [
    (1.5, "Expected a whole number"), (True, "Expected a whole number"), ("12a", "Expected a whole number"),
    (-1, "At least 0"), ("1001", "At most 1000"), (2**70, "Number out of range"),
])
def test_long_fields(value, error):
    assert validate_form(FORM, {"decision": "junk", "budget": value}) == {"budget": error}


def test_long_accepts_whole_floats_and_signed_text():
    assert clean_form([{"id": "n", "type": "long"}], {"n": 3.0}).values == {"n": 3}
    assert clean_form([{"id": "n", "type": "long"}], {"n": "-7"}).values == {"n": -7}


def test_dates_and_bounds():
    spec = [{"id": "d", "type": "date", "min": "2024-01-01", "max": "2024-12-31"}]
    assert clean_form(spec, {"d": "2024-03-05T10:00:00Z"}).values == {"d": "2024-03-05"}
    assert clean_form(spec, {"d": "05/03/2024"}).values == {"d": "2024-03-05"}
    assert validate_form(spec, {"d": "2023-12-31"}) == {"d": "On or after 2024-01-01"}
    assert validate_form(spec, {"d": "2025-01-01"}) == {"d": "On or before 2024-12-31"}
    assert validate_form(spec, {"d": 20240101}) == {"d": "Expected a date such as 2024-12-31"}


def test_string_length_and_type():
    spec = [{"id": "s", "type": "string", "minlength": 2, "maxlength": 3}]
    assert validate_form(spec, {"s": "a"}) == {"s": "At least 2 characters"}
    assert validate_form(spec, {"s": {"x": 1}}) == {"s": "Expected text"}
    assert clean_form(spec, {"s": 12}).values == {"s": "12"}


def test_enum_values_must_match_option_ids():
    spec = [{"id": "e", "type": "enum", "options": [{"id": "1", "name": "One"}]}]
    assert clean_form(spec, {"e": 1}).values == {"e": "1"}
    assert "Must be one of 1" in validate_form(spec, {"e": "One"})["e"]
    assert "Must be one of" in validate_form(spec, {"e": ["1"]})["e"]


def test_readonly_fields_keep_their_default():
    spec = [{"id": "r", "type": "string", "default": "fixed", "readonly": True}]
    assert clean_form(spec, {}).values == {"r": "fixed"}
    assert clean_form(spec, {"r": "fixed"}).ok
    assert validate_form(spec, {"r": "changed"}) == {"r": "This field is read-only"}


def test_non_object_data_and_unknown_types():
    assert validate_form(FORM, ["x"]) == {"data": "Expected an object of form values"}
    colour = [{"id": "x", "type": "color"}]
    assert validate_form(colour, {"x": "red"}) == {"x": "Unsupported field type 'color'"}
    assert clean_form(FORM, None).errors == {"decision": "This field is required"}


def test_bad_defaults_are_dropped():
    assert coerce_default({"id": "n", "type": "long", "default": "abc"}) is None
    assert coerce_default({"id": "b", "type": "boolean", "default": "true"}) is True
