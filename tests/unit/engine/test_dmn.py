"""DMN decision tables: FEEL unary tests, every hit policy, result mappings, deploy-time errors."""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.dmn import DmnError, evaluate, map_result, parse_decisions
from engine.dmn.feel import FeelError, compile_unary_tests
from tests.unit.engine.dmn_tables import dmn, table


@pytest.mark.parametrize(("test", "value", "scope", "expected"), [
    ("-", "anything", {}, True), ("", None, {}, True),
    ('"Fall"', "Fall", {}, True), ('"Fall"', "Winter", {}, False),
    ('"Winter","Spring"', "Spring", {}, True), ('"Winter","Spring"', "Fall", {}, False),
    ('not("Winter","Spring")', "Fall", {}, True), ('not("Winter","Spring")', "Winter", {}, False),
    ("< 10", 9, {}, True), ("< 10", 10, {}, False), ("<= 10", 10.0, {}, True), (">= -5", -5, {}, True),
    ("> 2.5", 3, {}, True), ("[1..10]", 10, {}, True), ("[1..10]", 1, {}, True),
    ("]1..10[", 1, {}, False), ("]1..10[", 10, {}, False), ("]1..10[", 5, {}, True),
    ("(1..10)", 1, {}, False), ("[1..10)", 10, {}, False), ("[1..10],[20..30]", 25, {}, True),
    ("10", 10, {}, True), ("10", "10", {}, False), ("true", True, {}, True), ("false", True, {}, False),
    ("null", None, {}, True), ("< 10", None, {}, False), ("< 10", "5", {}, False),
    ("< limit", 5, {"limit": 6}, True), ("< customer.limit", 7, {"customer": {"limit": 6}}, False),
    ('>= date and time("2020-01-01T00:00:00")', datetime(2020, 6, 1), {}, True),
    ('[date("2020-01-01")..date("2020-12-31")]', datetime(2021, 1, 1), {}, False),
    ("not(< 5)", 7, {}, True),
])
def test_unary_tests(test, value, scope, expected):
    assert compile_unary_tests(test)(value, scope) is expected


@pytest.mark.parametrize("bad", ['"open', "[1..", "< ", "1..2", "not(1", 'duration("P1D")', "a b"])
def test_bad_unary_tests_are_refused(bad):
    with pytest.raises(FeelError):
        compile_unary_tests(bad)


def _one(hit_policy: str, rules: list[tuple], aggregation: str | None = None, **kwargs):
    xml = dmn(table("d", [("amount", "integer")], [("out", kwargs.pop("type_ref", "string"))], rules,
                    hit_policy, aggregation, **kwargs))
    return parse_decisions(xml)[0]


RULES = [("< 10", '"small"'), ("< 100", '"medium"'), ("-", '"any"')]


def test_hit_policies_unique_first_any_rule_order_collect():
    assert evaluate(_one("FIRST", RULES), {"amount": 5}) == [{"out": "small"}]
    assert evaluate(_one("RULE ORDER", RULES), {"amount": 50}) == [{"out": "medium"}, {"out": "any"}]
    assert evaluate(_one("COLLECT", RULES), {"amount": 500}) == [{"out": "any"}]
    unique = _one("UNIQUE", [("< 10", '"small"'), ("[10..100]", '"big"')])
    assert evaluate(unique, {"amount": 10}) == [{"out": "big"}]
    assert evaluate(unique, {"amount": 1000}) == []
    with pytest.raises(DmnError, match=r"UNIQUE: more than one rule matched \('d_r1', 'd_r2', 'd_r3'\)"):
        evaluate(_one("UNIQUE", RULES), {"amount": 5})
    same = _one("ANY", [("< 10", '"x"'), ("< 20", '"x"'), ("> 50", '"y"'), ("> 60", '"z"')])
    assert evaluate(same, {"amount": 5}) == [{"out": "x"}]
    with pytest.raises(DmnError, match="ANY: rules 'd_r3' and 'd_r4'"):
        evaluate(same, {"amount": 70})


def test_priority_follows_the_output_values_order():
    decision = _one("PRIORITY", [("-", '"low"'), ("> 10", '"high"'), ("> 5", '"mid"')],
                    output_values={"out": '"high","mid","low"'})
    assert evaluate(decision, {"amount": 20}) == [{"out": "high"}]
    assert evaluate(decision, {"amount": 7}) == [{"out": "mid"}]
    assert evaluate(decision, {"amount": 1}) == [{"out": "low"}]
    with pytest.raises(DmnError, match="PRIORITY needs output values"):
        _one("PRIORITY", RULES)


@pytest.mark.parametrize(("aggregation", "amount", "expected"), [
    ("SUM", 5, [{"out": 111}]), ("MIN", 5, [{"out": 1}]), ("MAX", 50, [{"out": 100}]),
    ("COUNT", 5, [{"out": 3}]), ("COUNT", -1, [{"out": 0}]), ("SUM", -1, []),
])
def test_collect_aggregations(aggregation, amount, expected):
    rules = [("[0..10]", "1"), ("[0..20]", "10"), ("[0..100]", "100")]
    decision = _one("COLLECT", rules, aggregation, type_ref="integer")
    assert evaluate(decision, {"amount": amount}) == expected


def test_inputs_outputs_are_juel_and_typed():
    xml = dmn(table("t", [("order.total * 2", "double"), ("${customer}", "string")],
                    [("a", "integer"), ("b", "date")],
                    [("> 100", '"vip"', "order.total + 1", 'date and time("2024-02-01T10:00:00")'),
                     ("-", "-", "0", "")], "FIRST"))
    decision = parse_decisions(xml)[0]
    assert evaluate(decision, {"order": {"total": 60}, "customer": "vip"}) == [
        {"a": 61, "b": datetime(2024, 2, 1, 10)}]
    assert evaluate(decision, {"order": {"total": 1}, "customer": "x"}) == [{"a": 0, "b": None}]
    with pytest.raises(DmnError, match="decision 't', input 'in0'.*order"):
        evaluate(decision, {"customer": "x"})


@pytest.mark.parametrize(("xml", "message"), [
    (dmn(table("d", [("x", "integer")], [("o", "string")], [("[1..", '"a"')])),
     "decision 'd', rule 'd_r1': input entry of 'in0'"),
    (dmn(table("d", [("x", "integer")], [("o", "string")], [("1", "1 +")])),
     "decision 'd', rule 'd_r1': output entry of 'o'"),
    (dmn(table("d", [("x +", "integer")], [("o", "string")], [])), "decision 'd', input 'in0'"),
    (dmn(table("d", [("x", "integer")], [("o", "string")], [], "OUTPUT ORDER")), "hit policy OUTPUT ORDER"),
    (dmn(table("d", [("x", "integer")], [("o", "string"), ("p", "string")], [], "COLLECT", "SUM")),
     "exactly one output"),
    (dmn(table("d", [("x", "integer")], [("o", "text")], [])), "unknown typeRef 'text'"),
    (b"<definitions/>", "not a DMN file"),
])
def test_bad_tables_name_the_decision_rule_and_column(xml, message):
    with pytest.raises(DmnError) as caught:
        parse_decisions(xml)
    assert message in str(caught.value)


def test_map_decision_result():
    two = [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert map_result(two, None) == two and map_result(two, "resultList") == two
    assert map_result([{"a": 1}], "singleEntry") == 1 and map_result([], "singleEntry") is None
    assert map_result([{"a": 1, "b": 2}], "singleResult") == {"a": 1, "b": 2}
    assert map_result([{"a": 1}, {"a": 3}], "collectEntries") == [1, 3]
    with pytest.raises(DmnError, match="singleResult allows at most one"):
        map_result(two, "singleResult")
    with pytest.raises(DmnError, match="collectEntries allows exactly one"):
        map_result(two, "collectEntries")
    with pytest.raises(DmnError, match="singleEntry allows exactly one"):
        map_result([{"a": 1, "b": 2}], "singleEntry")


def test_a_large_table_is_bounded():
    rules = [(f"[{i * 10}..{i * 10 + 9}]", f'"r{i}"') for i in range(1000)]
    decision = _one("UNIQUE", rules)
    assert evaluate(decision, {"amount": 9995}) == [{"out": "r999"}]
    xml = dmn(table("big", [("x", "integer")], [("o", "string")], [("-", "1")] * 5001))
    with pytest.raises(DmnError, match="more than 5000 rules"):
        parse_decisions(xml)
