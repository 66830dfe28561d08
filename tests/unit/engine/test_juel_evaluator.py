"""engine.spiff.juel: operators, EL coercion, null handling, methods, `execution` and safety."""

from __future__ import annotations

import math
from typing import Any

import pytest

from engine.spiff.juel import JuelError, compile_template

VARIABLES: dict[str, Any] = {
    "approved": True,
    "rejected": False,
    "amount": 1500,
    "rate": 0.5,
    "region": "EU",
    "count": "7",
    "nothing": None,
    "blank": "",
    "record": {"title": "Acme", "tags": ["a", "b"], "owner": None, "0": "zero"},
    "items": [10, 20, 30],
    "text": "  Hello World  ",
}


def value(text: str, variables: dict[str, Any] | None = None) -> Any:
    return compile_template(text).value(VARIABLES if variables is None else variables)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("${true}", True), ("${false}", False), ("${null}", None), ("${42}", 42), ("${4.5}", 4.5),
        ("${'a\\'b'}", "a'b"), ('${"x"}', "x"),
        # equality, both spellings
        ("${approved == true}", True), ("${approved eq true}", True), ("${region != 'EU'}", False),
        ("${region ne 'US'}", True), ("${count == 7}", True), ("${amount == '1500'}", True),
        ("${rate == 0.5}", True), ("${approved == 'true'}", True), ("${approved == 'yes'}", False),
        ("${nothing == null}", True), ("${blank == null}", False), ("${nothing == 0}", False),
        ("${items == items}", True), ("${1 == 1.0}", True),
        # relational, both spellings
        ("${amount > 1000}", True), ("${amount gt 1000}", True), ("${amount < 1000}", False),
        ("${amount lt 2000}", True), ("${amount >= 1500}", True), ("${amount ge 1501}", False),
        ("${amount <= 1500}", True), ("${amount le 1499}", False), ("${count < 10}", True),
        ("${'abc' < 'abd'}", True), ("${rate < 1}", True), ("${nothing < 1}", False),
        ("${nothing >= nothing}", False), ("${false < true}", True),
        ("${'1500.00' > 1000}", True), ("${'1500.00' == 1500}", True), ("${'10' < '9'}", True),
        # logic, both spellings, short-circuit
        ("${approved && !rejected}", True), ("${approved and not rejected}", True),
        ("${rejected || approved}", True), ("${rejected or rejected}", False),
        ("${rejected && missing}", False), ("${approved || missing}", True),
        ("${!nothing}", True), ("${not 'TRUE'}", False), ("${!blank}", True),
        # arithmetic (EL: + is numeric, strings are parsed)
        ("${1 + 2 * 3}", 7), ("${(1 + 2) * 3}", 9), ("${10 - 2 - 3}", 5), ("${count + 1}", 8),
        ("${'1.5' + 1}", 2.5), ("${10 / 4}", 2.5), ("${10 div 5}", 2.0), ("${7 % 3}", 1),
        ("${7 mod 3}", 1), ("${-7 % 3}", -1), ("${7.5 % 2}", 1.5), ("${-amount}", -1500),
        ("${-count}", -7), ("${-'2.5'}", -2.5), ("${- -1}", 1), ("${nothing + nothing}", 0),
        ("${nothing + 1}", 1), ("${-nothing}", 0), ("${blank + 2}", 2), ("${rate * 2}", 1.0),
        ("${9223372036854775807 + 1}", -9223372036854775808),
        # empty
        ("${empty nothing}", True), ("${empty blank}", True), ("${empty record.tags}", False),
        ("${empty record.missing}", True), ("${not empty region}", True), ("${empty {}}", None),
        # ternary
        ("${amount > 1000 ? 'big' : 'small'}", "big"), ("${rejected ? 1 : nothing}", None),
        ("${approved ? rejected ? 1 : 2 : 3}", 2),
        # properties and indexes
        ("${record.title}", "Acme"), ("${record['title']}", "Acme"), ("${record.tags[1]}", "b"),
        ("${record.tags['0']}", "a"), ("${items[5]}", None), ("${items[-1]}", None),
        ("${record.owner.name}", None), ("${record.nope}", None), ("${nothing.x.y}", None),
        ("${record[0]}", None), ("${record['0']}", "zero"),
    ],
)
def test_operators(text: str, expected: Any) -> None:
    if expected is None and "{}" in text:
        with pytest.raises(JuelError):
            value(text)
        return
    result = value(text)
    assert result == expected and type(result) is type(expected)


def test_division_follows_java_doubles() -> None:
    assert value("${1 / 0}") == math.inf
    assert value("${-1 / 0}") == -math.inf
    assert math.isnan(value("${0 / 0}"))
    assert math.isnan(value("${1.5 % 0}"))
    with pytest.raises(JuelError, match="division by zero"):
        value("${1 % 0}")


@pytest.mark.parametrize(
    "text, message",
    [
        ("${'abc' + 1}", "Cannot coerce 'abc' of type String to Long"),
        ("${'Lead ' + record.title}", "Cannot coerce 'Lead ' of type String to Double"),
        ("${approved + 1}", "Cannot coerce true of type Boolean to Long"),
        ("${'abc' == 1}", "Cannot coerce 'abc' of type String to Long"),
        ("${amount && true}", "Cannot coerce 1500 of type Long to Boolean"),
        ("${items < 3}", "Cannot coerce [10, 20, 30] of type List to Long"),
        ("${record < record}", "Cannot compare Map with Map"),
        ("${-approved}", "Cannot apply '-' to 'true' of type Boolean"),
        ("${record.tags.name}", "Cannot read property 'name' of a List"),
        ("${region.name}", "Property 'name' not found on type String"),
        ("${amount.x}", "Property 'x' not found on type Long"),
    ],
)
def test_coercion_errors(text: str, message: str) -> None:
    with pytest.raises(JuelError) as caught:
        value(text)
    assert message in caught.value.message


def test_unknown_variables_fail_like_camunda() -> None:
    with pytest.raises(JuelError) as caught:
        value("${missing == 1}")
    assert caught.value.message == (
        "Unknown property used in expression: ${missing == 1}. Cause: Cannot resolve identifier 'missing'"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("${region.equals('EU')}", True), ("${count.equals(7)}", False),
        ("${region.equalsIgnoreCase('eu')}", True), ("${text.contains('World')}", True),
        ("${region.startsWith('E')}", True), ("${region.endsWith('U')}", True),
        ("${region.toLowerCase()}", "eu"), ("${record.title.toUpperCase()}", "ACME"),
        ("${text.length()}", 15), ("${text.trim()}", "Hello World"),
        ("${record.title.substring(1)}", "cme"), ("${record.title.substring(1, 3)}", "cm"),
        ("${record.title.indexOf('m')}", 2), ("${record.title.indexOf('z')}", -1),
        ("${blank.isEmpty()}", True), ("${record.title.concat('!')}", "Acme!"),
        ("${record.title.concat(amount)}", "Acme1500"), ("${region.replace('E', 'X')}", "XU"),
        ("${items.size()}", 3), ("${items.isEmpty()}", False), ("${items.contains(20)}", True),
        ("${items.contains('20')}", False), ("${items.get(0)}", 10), ("${items.indexOf(30)}", 2),
        ("${record.size()}", 4), ("${record.containsKey('title')}", True),
        ("${record.contains('nope')}", False), ("${record.get('title')}", "Acme"),
        ("${record.isEmpty()}", False), ("${amount.toString()}", "1500"),
        ("${rate.toString()}", "0.5"),
    ],
)
def test_methods(text: str, expected: Any) -> None:
    result = value(text)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ('${"".getClass()}', "Method not found: String.getClass() with 0 arguments"),
        ("${region.substring(5)}", "out of range"),
        ("${items.get(9)}", "index 9 is out of range"),
        ("${nothing.trim()}", "Cannot call method 'trim' on null"),
        ("${record.title.startsWith()}", "Method not found: String.startsWith() with 0 arguments"),
        ("${items.clear()}", "Method not found: List.clear()"),
        ("${record.pop('title')}", "Method not found: Map.pop()"),
        ("${region.format('x')}", "Method not found"),
        ("${x.__class__}", "names starting with '__' are not allowed"),
        ("${region.__len__()}", "names starting with '__' are not allowed"),
    ],
)
def test_no_way_into_python(text: str, message: str) -> None:
    with pytest.raises(JuelError) as caught:
        value(text)
    assert message in caught.value.message


def test_unforeseen_values_are_expression_errors() -> None:
    with pytest.raises(JuelError, match="TypeError: unhashable"):
        value("${record[items]}")
    with pytest.raises(JuelError, match="TypeError"):
        value("${record.containsKey(items)}")


def test_growth_is_capped() -> None:
    nested = "${" + "text" + ".concat(text)" * 3 + ".replace(' ', text)" * 6 + "}"
    with pytest.raises(JuelError, match="longer than"):
        value(nested)


def test_composite_text_is_a_string() -> None:
    assert value("Lead ${record.title}") == "Lead Acme"
    assert value("${amount}") == 1500
    assert value("${amount} EUR") == "1500 EUR"
    assert value("n=${nothing}, ok=${approved}, r=${rate}, big=${1e7}") == "n=, ok=true, r=0.5, big=1.0E7"
    assert value("tags ${record.tags} of ${record.owner}") == "tags [a, b] of "
    assert value("#{region}-#{amount}") == "EU-1500"
    assert value("PT${count}M") == "PT7M"


def test_execution_reads_and_writes_variables() -> None:
    variables: dict[str, Any] = {"x": 1}
    written: dict[str, Any] = {}
    template = compile_template("${execution.getVariable('x') + 1}")
    assert template.value(variables) == 2
    assert compile_template("${execution.getVariables()}").value(variables) == {"x": 1}
    assert compile_template("${execution.getVariable('y')}").value(variables) is None
    assert compile_template("${execution.hasVariable('x')}").value(variables) is True
    compile_template("${execution.setVariable('y', x * 10)}").value(variables, written)
    assert written == {"y": 10} and variables["y"] == 10
    with pytest.raises(JuelError, match="setVariable is not available"):
        compile_template("${execution.setVariable('z', 1)}").value({"x": 1})
    with pytest.raises(JuelError, match="Method not found: execution.exit"):
        compile_template("${execution.exit()}").value(variables)
    # Camunda resolves `execution` before variables of that name
    assert compile_template("${execution.getVariable('execution')}").value({"execution": 5}) == 5


def test_conditions_must_be_boolean() -> None:
    assert compile_template("${approved}").condition(VARIABLES) is True
    with pytest.raises(JuelError, match="returns non-Boolean: 'EU' \\(String\\)"):
        compile_template("${region}").condition(VARIABLES)
    with pytest.raises(JuelError, match="returns null"):
        compile_template("${nothing}").condition(VARIABLES)
    with pytest.raises(JuelError, match="non-Boolean"):
        compile_template("is ${approved}").condition(VARIABLES)
