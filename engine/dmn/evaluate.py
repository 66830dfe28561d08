"""Evaluate a compiled decision table: the inputs once, every rule's tests, then the hit policy.

The result is Camunda's: a list of rule results, each a dict output name -> value (in rule
order for COLLECT and RULE ORDER). COLLECT with an aggregation answers one entry named after
the output (COUNT answers 0 when nothing matched, SUM/MIN/MAX an empty list).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.dmn.expressions import convert
from engine.dmn.model import Decision, DmnError, Rule
from engine.spiff.sandbox import SandboxError


def evaluate(decision: Decision, variables: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The decision's result list for these variables (DmnError naming the place on failure)."""
    variables = dict(variables)
    values, scopes = [], []
    for column in decision.inputs:
        value = _safely(lambda c=column: convert(c.expression(variables), c.type_ref),
                        f"decision {decision.key!r}, input {column.name!r}")
        values.append(value)
        scopes.append({**variables, column.input_variable: value})
    return _HIT_POLICIES[decision.hit_policy](decision, _matching(decision, values, scopes), variables)


def _matching(decision: Decision, values: list[Any], scopes: list[dict]) -> list[Rule]:
    """The rules whose every input entry holds (a plain loop: this is the hot path)."""
    cells = list(zip(values, scopes, strict=True))
    matched = []
    if len(cells) == 1:  # one input: no inner loop
        value, scope = cells[0]
        return [rule for rule in decision.rules if rule.tests[0](value, scope)]
    for rule in decision.rules:
        for test, (value, scope) in zip(rule.tests, cells, strict=True):
            if not test(value, scope):
                break
        else:
            matched.append(rule)
    return matched


def _safely(compute: Any, where: str) -> Any:
    try:
        return compute()
    except (SandboxError, ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as exc:
        reason = exc.reason if isinstance(exc, DmnError) else str(exc)
        raise DmnError(reason, where) from exc


def rule_result(decision: Decision, rule: Rule, variables: dict[str, Any]) -> dict[str, Any]:
    """The outputs of one matched rule, converted to the output types."""
    out = {}
    for column, entry in zip(decision.outputs, rule.outputs, strict=False):
        where = f"decision {decision.key!r}, rule {rule.id!r}, output {column.name!r}"
        out[column.name] = _safely(lambda: convert(entry(variables), column.type_ref), where)  # noqa: B023
    return out


def _unique(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    if len(matched) > 1:
        ids = ", ".join(repr(rule.id) for rule in matched)
        raise DmnError(f"hit policy UNIQUE: more than one rule matched ({ids})", f"decision {decision.key!r}")
    return [rule_result(decision, rule, variables) for rule in matched]


def _first(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    return [rule_result(decision, matched[0], variables)] if matched else []


def _any(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    results = [rule_result(decision, rule, variables) for rule in matched]
    for rule, result in zip(matched[1:], results[1:], strict=False):
        if result != results[0]:
            raise DmnError(f"hit policy ANY: rules {matched[0].id!r} and {rule.id!r} matched with "
                           "different outputs", f"decision {decision.key!r}")
    return results[:1]


def _priority(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    """The matched rule whose outputs come first in the outputs' value lists (rule order breaks ties)."""
    results = [rule_result(decision, rule, variables) for rule in matched]
    if not results:
        return []

    def rank(item: tuple[int, dict]) -> tuple:
        index, result = item
        keys = []
        for column in decision.outputs:
            if column.values:
                value = result[column.name]
                keys.append(column.values.index(value) if value in column.values else len(column.values))
        return (*keys, index)

    return [min(enumerate(results), key=rank)[1]]


def _all(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    return [rule_result(decision, rule, variables) for rule in matched]


def _collect(decision: Decision, matched: list[Rule], variables: dict) -> list[dict]:
    results = _all(decision, matched, variables)
    if decision.aggregation is None:
        return results
    name = decision.outputs[0].name
    values = [result[name] for result in results if result[name] is not None]
    if decision.aggregation == "COUNT":
        return [{name: len(values)}]
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DmnError(f"COLLECT {decision.aggregation} needs numbers, got {value!r}",
                           f"decision {decision.key!r}, output {name!r}")
    if not values:
        return []
    total = {"SUM": sum, "MIN": min, "MAX": max}[decision.aggregation](values)
    return [{name: total}]


_HIT_POLICIES = {
    "UNIQUE": _unique, "FIRST": _first, "ANY": _any, "PRIORITY": _priority,
    "COLLECT": _collect, "RULE ORDER": _all,
}
