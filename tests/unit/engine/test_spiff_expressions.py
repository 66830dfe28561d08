"""engine.spiff.expressions and engine.spiff.data: Camunda `${}` conventions and JSON-clean data."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from engine.spiff.data import DataError, clean_mapping, json_clean
from engine.spiff.expressions import (
    check_expression,
    check_parameter,
    evaluate_condition,
    is_expression,
    parameter_value,
    strip_expression,
)
from engine.spiff.sandbox import Record, SandboxError

RECORD = {"record": Record(id=7, title="ACME", responsible_id=3)}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("${x}", True),
        ("  ${ x + 1 }  ", True),
        ("${{'a': 1}}", True),
        ("x", False),
        ("${}", False),
        ("Lead ${x}", False),
        ("${x} and more", False),
        ("#{x}", True),
        ("${a} ${b}", False),
        ("${'}'}", True),
        (None, False),
        (5, False),
    ],
)
def test_is_expression(text: object, expected: bool) -> None:
    assert is_expression(text) is expected


def test_strip_expression() -> None:
    assert strip_expression("${ record.title }") == "record.title"
    assert strip_expression('${{"status": "JUNK"}}') == '{"status": "JUNK"}'
    assert strip_expression("decision == 'x'") == "decision == 'x'"
    assert strip_expression("#{ approved }") == "approved"


def test_parameter_values() -> None:
    assert parameter_value("Process lead: ${record.title}", RECORD) == "Process lead: ACME"
    assert parameter_value("${record.responsible_id}", RECORD) == 3
    assert parameter_value("#{record.responsible_id + 1}", RECORD) == 4
    assert parameter_value("${true}", RECORD) is True
    # Python where the body is not JUEL (a dict literal, a call): diagrams deployed before JUEL
    assert parameter_value('${{"status": "JUNK"}}', RECORD) == {"status": "JUNK"}
    with pytest.raises(SandboxError, match="Cannot resolve identifier 'True'"):
        parameter_value("${True}", RECORD)  # JUEL's literal is `true`; `True` is a variable name
    with pytest.raises(SandboxError, match="Cannot coerce 'Lead ' of type String"):
        parameter_value('${"Lead " + record.title}', RECORD)  # `+` is numeric in EL
    assert parameter_value("lead", RECORD) == "lead"
    assert parameter_value("PT5M", RECORD) == "PT5M"
    assert parameter_value(None, RECORD) is None
    assert parameter_value("${(today() + timedelta(days=365)).isoformat()}", {}) > date.today().isoformat()


def test_conditions_bare_or_wrapped() -> None:
    assert evaluate_condition('${decision == "junk"}', {"decision": "junk"}) is True
    assert evaluate_condition('decision == "junk"', {"decision": "keep"}) is False
    assert evaluate_condition("#{!approved}", {"approved": False}) is True
    assert evaluate_condition("${comment == ''}", {"comment": ""}) is True
    with pytest.raises(SandboxError, match="returns non-Boolean"):
        evaluate_condition("${comment}", {"comment": ""})  # Camunda wants a Boolean
    with pytest.raises(SandboxError, match="returns null"):
        evaluate_condition("${comment}", {"comment": None})
    with pytest.raises(SandboxError, match="Unknown property used in expression: ..missing == 1."):
        evaluate_condition("${missing == 1}", {})
    assert evaluate_condition("${bool(comment)}", {"comment": "x"}) is True  # Python: not JUEL


def test_checks_for_upload() -> None:
    assert check_parameter("lead") is None
    assert check_parameter("${record.id}") is None
    assert check_parameter("${record.}") == (
        "expected a property name but found the end of the expression (at column 10)"
    )
    assert check_parameter("Lead ${record.title}") is None
    assert "(at column 15)" in check_parameter("Lead ${record.}")
    assert "__class__" in check_parameter("${record.__class__}")
    assert "is not closed" in check_parameter("${record")
    assert check_expression("${decision == 'x'}") is None
    assert "SyntaxError" in check_expression("decision ==")  # bare text is Python


def test_arithmetic_on_text_literals_is_refused_at_upload() -> None:
    # Parses as JUEL, but `+` is numeric in EL: it could only ever fail at run time.
    assert check_parameter('${"Lead " + record.title}') == (
        "'+' is numeric in JUEL and 'Lead ' is not a number "
        "(to join text write `Lead ${x}` or `${a.concat(b)}`) (at column 11)"
    )
    assert "'-' is numeric in JUEL and 'true' is not a number" in check_expression("${a ? 1 : -true}")
    assert "'*' is numeric" in check_expression("#{n * 'x'}")
    assert check_parameter('${"1" + n}') is None and check_parameter("${n + 1}") is None
    assert check_parameter("Lead ${record.title}") is None
    assert check_expression("a == 1") is None
    assert check_expression("") == "the expression is empty"


def test_json_clean_converts_and_refuses() -> None:
    value = {
        "set": {3, 1},
        "tuple": (1, 2),
        "decimal": Decimal("1.10"),
        "date": date(2024, 1, 2),
        "datetime": datetime(2024, 1, 2, 3, 4, 5),
        "uuid": UUID(int=1),
        "nested": {1: [Record(a=1)]},
    }
    assert json_clean(value) == {
        "set": [1, 3],
        "tuple": [1, 2],
        "decimal": "1.10",
        "date": "2024-01-02",
        "datetime": "2024-01-02T03:04:05",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "nested": {"1": [{"a": 1}]},
    }
    assert type(json_clean({"r": Record(a=1)})["r"]) is dict
    for bad in ({"typename": "x"}, {"a": {"typename": 1}}, {"f": len}, {"n": float("nan")}, {(1, 2): 1}):
        with pytest.raises(DataError):
            json_clean(bad)
    with pytest.raises(DataError):
        clean_mapping([1, 2])
