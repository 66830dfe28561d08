"""engine.spiff.forms: submitted values are typed and checked against camunda:formData fields."""

from __future__ import annotations

import pytest

from engine.spiff.forms import FieldDef, FormDataError, check_form, coerce_form_data

FIELDS = [
    FieldDef("decision", "enum", constraints=[("required", None)], options=[("yes", "Yes"), ("no", "No")]),
    FieldDef("comment", "string", constraints=[("minlength", "2"), ("maxlength", "5")]),
    FieldDef("amount", "long", constraints=[("min", "0"), ("max", "100")]),
    FieldDef("urgent", "boolean"),
    FieldDef("due", "date", constraints=[("min", "2024-01-01")]),
    FieldDef("locked", "string", constraints=[("readonly", None)]),
]
DEFAULTS = {"locked": "fixed", "amount": 5}


def test_values_are_typed_and_defaults_fill_gaps() -> None:
    values = coerce_form_data(
        FIELDS, {"decision": "yes", "urgent": "on", "due": "02/03/2024", "locked": "x"}, DEFAULTS
    )
    assert values == {
        "decision": "yes",
        "comment": None,
        "amount": 5,
        "urgent": True,
        "due": "2024-03-02",
        "locked": "fixed",
    }
    assert coerce_form_data(FIELDS, {"decision": "no", "amount": "7", "urgent": False}, {})["amount"] == 7


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "decision"),
        ({"decision": " "}, "decision"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "yes", "comment": "x"}, "comment"),
        ({"decision": "yes", "comment": "toolong"}, "comment"),
        ({"decision": "yes", "amount": "1.5"}, "amount"),
        ({"decision": "yes", "amount": True}, "amount"),
        ({"decision": "yes", "amount": 101}, "amount"),
        ({"decision": "yes", "urgent": "perhaps"}, "urgent"),
        ({"decision": "yes", "due": "2023-12-31"}, "due"),
        ({"decision": "yes", "due": "soon"}, "due"),
        ({"decision": "yes", "extra": 1}, "extra"),
    ],
)
def test_bad_values_are_named(data: dict, field: str) -> None:
    with pytest.raises(FormDataError) as info:
        coerce_form_data(FIELDS, data, {})
    assert list(info.value.errors) == [field]


def test_the_form_definition_above_is_valid() -> None:
    assert check_form(FIELDS) == []
