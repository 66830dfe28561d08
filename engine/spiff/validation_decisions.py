"""Upload checks of business rule tasks (`camunda:decisionRef`); whether the decision exists is
checked against the database by engine.decisions when the diagram is deployed."""
from __future__ import annotations

from typing import Any

from engine.camunda_compat import java_problem
from engine.spiff.expressions import check_expression, is_expression

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BINDINGS = ("latest", "version")
MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")


def _c(name: str) -> str:
    return f"{{{CAMUNDA}}}{name}"


def check_business_rule_task(report: Any, el: Any) -> None:
    """A DMN decision reference with a supported binding and result mapping."""
    element_id = el.get("id")
    java = java_problem(el)
    if java:
        report.error(element_id, java)
        return
    ref = (el.get(_c("decisionRef")) or "").strip()
    if not ref:
        report.error(element_id, "the business rule task names no decision (camunda:decisionRef)")
    elif is_expression(ref):
        problem = check_expression(ref)
        if problem:
            report.error(element_id, f"camunda:decisionRef: {problem}")
    binding = el.get(_c("decisionRefBinding")) or "latest"
    if binding not in BINDINGS:
        report.error(element_id, f"camunda:decisionRefBinding {binding!r} is not supported: use latest "
                                 "or version (with camunda:decisionRefVersion)")
    version = (el.get(_c("decisionRefVersion")) or "").strip()
    if binding == "version" and not version.isdigit():
        report.error(element_id, "camunda:decisionRefVersion must be a version number with "
                                 'decisionRefBinding="version"')
    mapping = el.get(_c("mapDecisionResult")) or "resultList"
    if mapping not in MAPPINGS:
        report.error(element_id, f"camunda:mapDecisionResult {mapping!r} is not one of "
                                 f"{', '.join(MAPPINGS)}")
