"""Upload checks of call activities (bindings, variable mappings) and of loops and multi-instance."""
from __future__ import annotations

from typing import Any

from engine.spiff.expressions import check_expression, is_expression
from engine.spiff.multi_instance import bpmn_data_refs
from engine.spiff.validation_rules import Reporter, b, c, check_text


def check_call_activity(report: Reporter, el: Any, known_processes: set[str]) -> str | None:
    """A call activity names its called process literally (any deployed process, any file)."""
    called = (el.get("calledElement") or "").strip()
    if not called:
        report.error(el.get("id"), "the call activity has no called process (calledElement)")
        return None
    _check_binding(report, el)
    for tag in ("in", "out"):
        for node in el.findall(f"{b('extensionElements')}/{c(tag)}"):
            _check_mapping(report, el.get("id"), tag, node)
    for java in ("variableMappingClass", "variableMappingDelegateExpression"):
        if el.get(c(java)):
            report.error(el.get("id"), f"camunda:{java} (Java) is not supported: use camunda:in/out")
    if "${" in called:  # evaluated when the call runs
        check_text(report, el.get("id"), "calledElement", called)
        return None
    # Another file's process is resolved when the call runs (Camunda's way): a missing one
    # is then an incident naming this element, so it may be deployed after the caller.
    return called


CALL_BINDINGS = {"latest": None, "deployment": None, "version": "calledElementVersion",
                 "versionTag": "calledElementVersionTag"}


def _check_binding(report: Reporter, el: Any) -> None:
    binding = el.get(c("calledElementBinding")) or "latest"
    if binding not in CALL_BINDINGS:
        report.error(el.get("id"), f"camunda:calledElementBinding {binding!r} is not one of "
                     + ", ".join(CALL_BINDINGS))
        return
    needed = CALL_BINDINGS[binding]
    value = (el.get(c(needed)) or "").strip() if needed else None
    if needed and not value:
        report.error(el.get("id"), f'calledElementBinding="{binding}" needs camunda:{needed}')
    elif binding == "version" and not value.isdigit():
        report.error(el.get("id"), f"camunda:calledElementVersion {value!r} is not a version number")


def _check_mapping(report: Reporter, element_id: str, tag: str, node: Any) -> None:
    if node.get("variables") == "all" or node.get("businessKey") is not None:
        return
    if not node.get("target") or not (node.get("source") or node.get("sourceExpression")):
        report.error(element_id, f"camunda:{tag} needs a target and a source or sourceExpression "
                     '(or variables="all")')
    elif node.get("sourceExpression") is not None:
        check_text(report, element_id, f"camunda:{tag} {node.get('target')}", node.get("sourceExpression"))


LOOP_EXPRESSIONS = (
    ("standardLoopCharacteristics", "loopCondition"),
    ("multiInstanceLoopCharacteristics", "loopCardinality"),
    ("multiInstanceLoopCharacteristics", "completionCondition"),
)


def check_loop(report: Reporter, el: Any) -> None:
    """Loop and multi-instance expressions compile."""
    for outer, inner in LOOP_EXPRESSIONS:
        for node in el.findall(f"{b(outer)}/{b(inner)}"):
            problem = check_expression(node.text)
            if problem:
                report.error(el.get("id"), f"{inner}: {problem}")
    for node in el.findall(b("multiInstanceLoopCharacteristics")):
        _check_multi_instance(report, el.get("id"), node)


def _check_multi_instance(report: Reporter, element_id: str, node: Any) -> None:
    """Camunda 7 multi-instance: a collection (name or `${...}`) or a loopCardinality."""
    refs = bpmn_data_refs(node)
    collection = (node.get(c("collection")) or "").strip() or refs["collection"] or ""
    for tag in ("loopDataInputRef", "loopDataOutputRef"):
        ref = node.find(b(tag))
        if ref is not None and not (ref.text or "").strip().isidentifier():
            report.error(element_id, f"{tag} {(ref.text or '').strip()!r} is not a variable name")
    if refs["collection"] and node.find(b("loopCardinality")) is not None:
        report.error(element_id, "loopCardinality and loopDataInputRef exclude each other: keep one")
    if not collection and node.find(b("loopCardinality")) is None:
        report.error(element_id, "a multi-instance needs camunda:collection, loopDataInputRef or "
                                 "loopCardinality")
    if collection and is_expression(collection):
        check_text(report, element_id, "camunda:collection", collection)
    elif collection and not collection.isidentifier():
        report.error(element_id, f"camunda:collection {collection!r} is neither a variable name nor ${{...}}")
    element = node.get(c("elementVariable"))
    if element is not None and not element.isidentifier():
        report.error(element_id, f"camunda:elementVariable {element!r} is not a variable name")
