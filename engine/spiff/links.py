"""Link events (Camunda 7): a link throw event continues at the link catch event of the same
name in the same process or subprocess, like an off-page connector.

SpiffWorkflow 3.2.0 has no link events, so the parser rewrites the document first: each link
throw becomes a none intermediate throw event with a sequence flow to its catch, and each
link catch a none intermediate throw event (a pass-through). Upload validation checks that
every throw has exactly one catch of its name in its scope.
"""

from __future__ import annotations

from typing import Any

from engine.spiff.validation_rules import b

CONTAINERS = ("process", "subProcess")


def _links(container: Any, tag: str) -> list[tuple[Any, Any]]:
    """(event, its linkEventDefinition) of the container's direct `tag` children."""
    found = []
    for el in container.findall(b(tag)):
        definition = el.find(b("linkEventDefinition"))
        if definition is not None:
            found.append((el, definition))
    return found


def _name(event: Any, definition: Any) -> str:
    return definition.get("name") or event.get("name") or ""


def check_links(report: Any, container: Any) -> None:
    """Every link throw names exactly one link catch of its scope; catch names are unique."""
    catches: dict[str, list[str]] = {}
    for event, definition in _links(container, "intermediateCatchEvent"):
        catches.setdefault(_name(event, definition), []).append(event.get("id"))
    for name, ids in catches.items():
        if len(ids) > 1:
            report.error(ids[1], f"several link catch events are named {name!r} in this scope")
    for event, definition in _links(container, "intermediateThrowEvent"):
        if not catches.get(_name(event, definition)):
            report.error(event.get("id"), f"no link catch event named {_name(event, definition)!r} "
                                          "in the same process or subprocess")


def rewrite_links(root: Any) -> None:
    """Replace link events by none events and sequence flows (in place)."""
    for container in root.iter(*(b(tag) for tag in CONTAINERS)):
        catches = {}
        for event, definition in _links(container, "intermediateCatchEvent"):
            catches[_name(event, definition)] = event.get("id")
            event.remove(definition)
            event.tag = b("intermediateThrowEvent")
        for event, definition in _links(container, "intermediateThrowEvent"):
            target = catches.get(_name(event, definition))
            event.remove(definition)
            if target is None:
                continue
            flow = container.makeelement(b("sequenceFlow"), {
                "id": f"{event.get('id')}_link", "sourceRef": event.get("id"), "targetRef": target})
            container.append(flow)
