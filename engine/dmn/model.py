"""Read a DMN file (DMN 1.1 to 1.3, Camunda 7 dialect) into compiled decision tables.

Everything is checked and compiled here, at deploy time: a problem raises DmnError naming
the decision, the rule and the column. Sizes are bounded, so no table can hang a worker:
evaluation is one pass over the rules with expressions that have no loops.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.dmn.expressions import check_type_ref, compile_expression, convert
from engine.dmn.feel import FeelError, Test, compile_unary_tests, literal_list
from engine.spiff.juel import JuelError
from engine.spiff.xmlsafe import parse_xml

# camunda:* attributes of DMN files (their own namespace, not the BPMN one).
CAMUNDA_DMN = "{http://camunda.org/schema/1.0/dmn}"
MAX_DECISIONS = 100
MAX_RULES = 5000
MAX_COLUMNS = 100
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
LANGUAGES = ("", "juel", "feel", "http://www.omg.org/spec/feel/20140401",
             "https://www.omg.org/spec/dmn/20191111/feel/")


class DmnError(ValueError):
    """A decision table that cannot be deployed or evaluated; `where` names the place."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where, self.reason = where, message


@dataclass
class Column:
    """An input (expression + type) or an output (name, type, priority values)."""

    id: str
    label: str
    name: str
    type_ref: str
    expression: Callable[[dict], Any] | None = None
    input_variable: str = "cellInput"
    values: list[Any] = field(default_factory=list)


@dataclass
class Rule:
    """A row: one compiled test per input, one compiled expression per output."""

    id: str
    index: int
    tests: list[Test]
    outputs: list[Callable[[dict], Any]]


@dataclass
class Decision:
    """A decision table ready to evaluate."""

    key: str
    name: str
    hit_policy: str
    aggregation: str | None
    inputs: list[Column]
    outputs: list[Column]
    rules: list[Rule]
    version_tag: str | None = None


def local(el: Any) -> str:
    """An element's name without its namespace ('' for comments)."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Any, name: str) -> list[Any]:
    return [child for child in el if local(child) == name]


def _text(el: Any, child: str = "text") -> str:
    found = _children(el, child) if el is not None else []
    return (found[0].text or "").strip() if found else ""


def parse_decisions(data: bytes) -> list[Decision]:
    """Every decision of a DMN file, compiled; DmnError names the first problem."""
    try:
        root = parse_xml(data)
    except Exception as exc:  # lxml's syntax error or our refusal of DTDs
        raise DmnError(f"not a readable XML document: {exc}") from exc
    if local(root) != "definitions" or "dmn" not in (root.tag or "").lower():
        raise DmnError("not a DMN file: the root element must be dmn:definitions")
    elements = _children(root, "decision")
    if not elements:
        raise DmnError("the file defines no decision")
    if len(elements) > MAX_DECISIONS:
        raise DmnError(f"more than {MAX_DECISIONS} decisions in one file")
    decisions = [_decision(el) for el in elements]
    seen: set[str] = set()
    for decision in decisions:
        if decision.key in seen:
            raise DmnError("the id is used twice", f"decision {decision.key!r}")
        seen.add(decision.key)
    return decisions


def _decision(el: Any) -> Decision:
    key = el.get("id") or ""
    where = f"decision {key!r}"
    if not key:
        raise DmnError("a decision has no id")
    for requirement in _children(el, "informationRequirement"):
        if _children(requirement, "requiredDecision"):
            raise DmnError("required decisions (decision requirement graphs) are not supported", where)
    tables = _children(el, "decisionTable")
    if len(tables) != 1:
        raise DmnError("only decision tables are supported (no literal expressions)", where)
    table = tables[0]
    hit_policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if hit_policy not in HIT_POLICIES:
        raise DmnError(f"hit policy {hit_policy} is not supported; use one of {', '.join(HIT_POLICIES)}",
                       where)
    aggregation = (table.get("aggregation") or "").upper() or None
    inputs = [_input(col, where) for col in _children(table, "input")]
    outputs = [_output(col, where) for col in _children(table, "output")]
    _check_shape(where, hit_policy, aggregation, inputs, outputs)
    rule_els = _children(table, "rule")
    if len(rule_els) > MAX_RULES:
        raise DmnError(f"more than {MAX_RULES} rules", where)
    rules = [_rule(r, i, where, inputs, outputs) for i, r in enumerate(rule_els)]
    return Decision(key, el.get("name") or key, hit_policy, aggregation, inputs, outputs, rules,
                    el.get(CAMUNDA_DMN + "versionTag"))


def _check_shape(where: str, hit_policy: str, aggregation: str | None,
                 inputs: list[Column], outputs: list[Column]) -> None:
    if not outputs:
        raise DmnError("the decision table has no output column", where)
    if len(inputs) > MAX_COLUMNS or len(outputs) > MAX_COLUMNS:
        raise DmnError(f"more than {MAX_COLUMNS} input or output columns", where)
    if aggregation is not None:
        if hit_policy != "COLLECT":
            raise DmnError(f"aggregation {aggregation} needs hit policy COLLECT", where)
        if aggregation not in AGGREGATIONS:
            raise DmnError(f"aggregation {aggregation} is not one of {', '.join(AGGREGATIONS)}", where)
        if len(outputs) > 1:
            raise DmnError(f"COLLECT {aggregation} needs exactly one output column", where)
    if hit_policy == "PRIORITY" and not any(out.values for out in outputs):
        raise DmnError("hit policy PRIORITY needs output values (their order is the priority)", where)
    names = [out.name for out in outputs]
    if len(outputs) > 1 and len(set(names)) != len(names):
        raise DmnError("output columns need distinct names", where)


def _language(el: Any, where: str) -> None:
    language = (el.get("expressionLanguage") or "").lower()
    if language not in LANGUAGES:
        raise DmnError(f"expression language {language!r} is not supported: use JUEL or FEEL", where)


def _input(col: Any, where: str) -> Column:
    column_id = col.get("id") or ""
    here = f"{where}, input {col.get('label') or column_id!r}"
    found = _children(col, "inputExpression")
    if not found:
        raise DmnError("the input has no input expression", here)
    _language(found[0], here)
    try:
        check_type_ref((found[0].get("typeRef") or "").lower())
        expression = compile_expression(_text(found[0]))
    except (JuelError, FeelError, ValueError) as exc:
        raise DmnError(f"invalid input expression: {exc}", here) from exc
    return Column(column_id, col.get("label") or "", col.get("label") or column_id,
                  (found[0].get("typeRef") or "").lower(), expression,
                  col.get(CAMUNDA_DMN + "inputVariable") or "cellInput")


def _output(col: Any, where: str) -> Column:
    column_id = col.get("id") or ""
    here = f"{where}, output {col.get('name') or col.get('label') or column_id!r}"
    type_ref = (col.get("typeRef") or "").lower()
    try:
        check_type_ref(type_ref)
        values = [convert(v, type_ref) for v in literal_list(_text(_first(col, "outputValues")))]
    except (FeelError, ValueError) as exc:
        raise DmnError(f"invalid output values: {exc}", here) from exc
    return Column(column_id, col.get("label") or "", col.get("name") or column_id, type_ref,
                  values=values)


def _first(el: Any, name: str) -> Any:
    found = _children(el, name)
    return found[0] if found else None


def _rule(el: Any, index: int, where: str, inputs: list[Column], outputs: list[Column]) -> Rule:
    rule_id = el.get("id") or f"#{index + 1}"
    here = f"{where}, rule {rule_id!r}"
    entries, results = _children(el, "inputEntry"), _children(el, "outputEntry")
    if len(entries) != len(inputs) or len(results) != len(outputs):
        raise DmnError(f"the rule has {len(entries)} input and {len(results)} output entries; the table "
                       f"has {len(inputs)} inputs and {len(outputs)} outputs", here)
    tests = []
    for entry, column in zip(entries, inputs, strict=False):
        _language(entry, here)
        try:
            tests.append(compile_unary_tests(_text(entry)))
        except FeelError as exc:
            raise DmnError(f"input entry of {column.name!r}: {exc}", here) from exc
    compiled = []
    for entry, column in zip(results, outputs, strict=False):
        _language(entry, here)
        try:
            compiled.append(compile_expression(_text(entry)))
        except (JuelError, FeelError) as exc:
            raise DmnError(f"output entry of {column.name!r}: {exc}", here) from exc
    return Rule(rule_id, index, tests, compiled)
