"""Read listeners, input/output mappings, async boundaries, retry cycles and the script format
from BPMN XML.

The result is plain JSON kept in `spec.extensions["hooks"]` (so the serializer keeps it);
engine.spiff.listeners and engine.spiff.io_mapping run it. Bodies the engine refuses at
deploy (`class`, `delegateExpression`, script resources) are not read here.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
EXTENSIONS = f"{{{BPMN}}}extensionElements"
ASYNC = ("before", "after")  # camunda:asyncBefore / asyncAfter: step boundaries (engine.spiff.stepping)


def cam(tag: str) -> str:
    """A Camunda tag name."""
    return f"{{{CAMUNDA}}}{tag}"


def _extensions(node: Any, tag: str) -> list[Any]:
    """The `camunda:<tag>` children of a node's extensionElements."""
    return node.findall(f"{EXTENSIONS}/{cam(tag)}")


def listener_body(listener: Any) -> dict[str, Any] | None:
    """A listener's body: an inline script or an expression (None for refused kinds)."""
    script = listener.find(cam("script"))
    if script is not None:
        return {"kind": "script", "format": script.get("scriptFormat"), "source": script.text or ""}
    if listener.get("expression") is not None:
        return {"kind": "expression", "text": listener.get("expression")}
    return None


def _listeners(node: Any, tag: str) -> dict[str, list[dict[str, Any]]]:
    """Listeners by event, in document order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for listener in _extensions(node, tag):
        body = listener_body(listener)
        if body is not None:
            found.setdefault(listener.get("event") or "", []).append(body)
    return found


def mapping_value(node: Any) -> dict[str, Any]:
    """The value of an input/output parameter, a list value or a map entry."""
    children = [child for child in node if isinstance(child.tag, str)]
    if children:
        return element_value(children[0])
    return {"kind": "text", "text": node.text or ""} if (node.text or "").strip() else {"kind": "null"}


def element_value(child: Any) -> dict[str, Any]:
    """A `camunda:script`, `camunda:list`, `camunda:map` or `camunda:value` element as a value."""
    tag = etree.QName(child).localname
    if tag == "script":
        return {"kind": "script", "format": child.get("scriptFormat"), "source": child.text or ""}
    if tag == "list":
        return {"kind": "list", "items": [element_value(item) for item in child if isinstance(item.tag, str)]}
    if tag == "map":
        return {
            "kind": "map",
            "entries": [[e.get("key"), mapping_value(e)] for e in child.findall(cam("entry"))],
        }
    return mapping_value(child)


def _parameters(node: Any, tag: str) -> list[list[Any]]:
    """`camunda:inputOutput/camunda:<tag>` as [name, value] pairs."""
    params = node.findall(f"{EXTENSIONS}/{cam('inputOutput')}/{cam(tag)}")
    return [[param.get("name"), mapping_value(param)] for param in params]


def _retry_delays(hooks: dict[str, Any], cycle: str) -> None:
    """camunda:failedJobRetryTimeCycle as delays in seconds (engine.spiff.async_retry; a bad one
    was refused at upload)."""
    from engine.spiff.async_retry import parse_retry_cycle

    try:
        hooks["retry_delays"] = parse_retry_cycle(cycle)
    except ValueError:
        pass


def read_hooks(node: Any, outgoing: list[Any], external_io: bool = False) -> dict[str, Any]:
    """Everything this module knows for one flow node (empty dict when it has none)."""
    hooks: dict[str, Any] = {
        "listeners": _listeners(node, "executionListener"),
        "task_listeners": _listeners(node, "taskListener"),
        "take": {},
    }
    if not external_io:
        hooks["inputs"] = _parameters(node, "inputParameter")
        hooks["outputs"] = _parameters(node, "outputParameter")
    for flow in outgoing:
        bodies = _listeners(flow, "executionListener").get("take")
        if bodies:
            hooks["take"].setdefault(flow.get("targetRef"), []).extend(bodies)
    boundaries = [when for when in ASYNC if node.get(cam(f"async{when.capitalize()}")) == "true"]
    if boundaries:
        hooks["async"] = boundaries
    cycle = node.findtext(f"{EXTENSIONS}/{cam('failedJobRetryTimeCycle')}")
    if cycle is not None:
        _retry_delays(hooks, cycle)
    script_format = (node.get("scriptFormat") or "").strip()
    if etree.QName(node).localname == "scriptTask" and script_format:
        hooks["script_format"] = script_format
    return {key: value for key, value in hooks.items() if value}
