"""Helpers for the runner tests: build a spec from inline BPMN, start, reload, record handler calls."""

from __future__ import annotations

from typing import Any

from engine.spiff.runner import (
    cached_spec,
    deserialize_state,
    load_spec,
    new_workflow,
    serialize_spec,
    serialize_state,
)
from engine.spiff.specs import TaskContext
from tests.unit.engine.spiff_diagrams import chain, document, end, service, start, user_task


def build(body: list[str], extra: str = "") -> str:
    """Parse an inline diagram and return its spec blob."""
    spec, subprocess_specs = load_spec(document("\n".join(body), extra=extra), "test_process")
    return serialize_spec(spec, subprocess_specs)


def begin(
    blob: str,
    variables: dict[str, Any] | None = None,
    message_name: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Any:
    """A new workflow from a spec blob."""
    spec, subprocess_specs = cached_spec(blob)
    return new_workflow(spec, subprocess_specs, variables or {"record": {"id": 5}}, message_name, payload)


def reload(workflow: Any, blob: str) -> Any:
    """Save and load a workflow the way the platform does."""
    return deserialize_state(serialize_state(workflow), blob)


def timer(event_id: str, kind: str, text: str, attached_to: str | None = None) -> str:
    """A timer catch (or boundary) event."""
    tag = "boundaryEvent" if attached_to else "intermediateCatchEvent"
    attached = f' attachedToRef="{attached_to}"' if attached_to else ""
    return (
        f'<bpmn:{tag} id="{event_id}"{attached}><bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>'
        f"</bpmn:timerEventDefinition></bpmn:{tag}>"
    )


class Recorder:
    """A service handler recording its calls; optionally failing."""

    def __init__(self, result: dict[str, Any] | None = None, fail: Exception | None = None) -> None:
        self.result, self.fail = result, fail
        self.calls: list[tuple[str, dict[str, Any], TaskContext]] = []

    def __call__(self, topic: str, params: dict[str, Any], context: TaskContext) -> dict[str, Any] | None:
        self.calls.append((topic, params, context))
        if self.fail is not None:
            raise self.fail
        return self.result


# A deal task with a 0.1 s boundary timer that escalates with a comment.
BOUNDARY = [
    start("Begin", "Created"),
    user_task("Work", "Do the work"),
    timer("Timeout", "timeDuration", "PT0.1S", attached_to="Work"),
    service("Escalate", "crm.add_comment", {"entity": "deal", "id": "${record.id}", "text": "Late"}),
    end("Done"),
    end("Escalated"),
    chain("Begin", "Work", "Done"),
    chain("Timeout", "Escalate", "Escalated"),
]
