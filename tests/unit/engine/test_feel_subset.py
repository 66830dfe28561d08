"""The FEEL subset for form-js conditions, and clean_submission honouring `conditional.hide`."""
from __future__ import annotations

import pytest

from engine.feel_subset import Unsupported, evaluate, supported
from engine.form_schema import clean_submission, feel_warnings

CONTEXT = {"approved": False, "amount": 1500, "x": True, "name": "Bo", "a": {"b": 3}}


@pytest.mark.parametrize(("expression", "value"), [
    ("=approved = false", True), ("=amount > 1000", True), ("=amount <= 1000", False),
    ("=not(x)", False), ("=x and amount < 10", False), ("=x or amount < 10", True),
    ('=name = "Bo"', True), ('=name != "Bo"', False), ("=a.b >= 3", True), ("=missing = null", True),
    ("=missing > 3", None), ('=amount = "1500"', None), ("=(amount > 1000) and not(approved)", True),
    ("=-1.5 < 0", True), ("= true", True), ("=missing and false", False), ("=missing or true", True),
])
def test_subset_evaluates_like_feel(expression: str, value: object) -> None:
    assert evaluate(expression, CONTEXT) == value


@pytest.mark.parametrize("expression", [
    "=foo(1)", "=a + b", "=x in [1, 2]", "approved", "=", '="abc', "=x y", "=__import__('os')",
    "=count(items) > 1", "=x between 1 and 3"])
def test_outside_the_subset_is_refused(expression: str) -> None:
    with pytest.raises(Unsupported):
        evaluate(expression, CONTEXT)
    assert supported(expression) is False


FORM = {"id": "f", "components": [
    {"type": "checkbox", "key": "approved"},
    {"type": "textfield", "key": "reason", "validate": {"required": True},
     "conditional": {"hide": "=approved = true"}},
    {"type": "number", "key": "amount"},
    {"type": "textfield", "key": "manager", "validate": {"required": True},
     "conditional": {"hide": "=amount <= 1000"}},
    {"type": "textfield", "key": "note", "validate": {"required": True},
     "conditional": {"hide": "=count(x) > 1"}}]}


def test_a_hidden_field_is_not_required_and_its_value_dropped() -> None:
    result = clean_submission(FORM, {"approved": True, "reason": "sent anyway", "amount": 10, "note": ""})
    assert result.errors == {} and result.values == {"approved": True, "amount": 10, "note": None}


def test_a_shown_field_is_required() -> None:
    result = clean_submission(FORM, {"approved": False, "amount": 5000, "note": "n"})
    assert set(result.errors) == {"reason", "manager"}
    # the condition reads the task's variables when the field is not sent
    assert set(clean_submission(FORM, {"note": "n"}, {"approved": True, "amount": 3}).errors) == set()


def test_an_unsupported_condition_only_makes_the_field_optional_and_is_warned() -> None:
    result = clean_submission(FORM, {"approved": True, "amount": 1, "note": 5})
    assert result.errors == {"note": "Expected text"}
    [warning] = feel_warnings(FORM)
    assert "'f'" in warning and "'note'" in warning and "count(x)" in warning


def test_a_group_hidden_by_its_condition_hides_its_fields() -> None:
    form = {"id": "g", "components": [
        {"type": "checkbox", "key": "company"},
        {"type": "group", "path": "firm", "conditional": {"hide": "=company != true"}, "components": [
            {"type": "textfield", "key": "vat", "validate": {"required": True}}]}]}
    assert clean_submission(form, {"company": False, "firm": {"vat": "x"}}).values == {"company": False}
    assert set(clean_submission(form, {"company": True}).errors) == {"firm.vat"}
