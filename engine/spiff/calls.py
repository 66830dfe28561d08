"""Call activities as child process instances (Camunda 7's model), the workflow side.

A `bpmn:callActivity` parses into a ChildCallActivity: when it runs it stays STARTED and
asks the platform for a child instance (`pending_calls`); the platform starts the child,
records its id (`mark_called`), and when the child completes hands back its variables
(`finish_call`) or the BPMN error it ended with (`throw_child_error`).

Attributes kept: `calledElement` (a key, or `${...}` evaluated when the call runs),
`camunda:calledElementBinding` (latest |
deployment | version | versionTag), `camunda:calledElementVersion`,
`camunda:calledElementVersionTag`, and the `camunda:in` / `camunda:out` mappings
(`source`, `sourceExpression`, `target`, `variables="all"`, `businessKey`, `local`).
As in Camunda, without `camunda:in` the child starts with no process variables (it still
gets `record`, `event` and `initiator`), and without `camunda:out` nothing comes back.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.util.task import TaskState

from engine.spiff.data import json_clean
from engine.spiff.event_definitions import FlowdeskErrorEventDefinition
from engine.spiff.expressions import is_expression, parameter_value
from engine.spiff.sandbox import SandboxError

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BINDINGS = ("latest", "deployment", "version", "versionTag")
RESERVED = ("record", "event", "initiator")
CALL_KEY = "call"  # internal data: "pending", then the child instance id


class CallError(Exception):
    """A mapping could not be evaluated."""


class ChildCallActivity(BpmnSpecMixin):
    """A call activity run as a separate process instance."""

    def __init__(self, wf_spec: Any, bpmn_id: str, called_element: str = "", binding: str = "latest",
                 version: str | None = None, version_tag: str | None = None,
                 in_mappings: list[dict] | None = None, out_mappings: list[dict] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.called_element = called_element
        self.binding = binding
        self.version = version
        self.version_tag = version_tag
        self.in_mappings = list(in_mappings or [])
        self.out_mappings = list(out_mappings or [])

    def _run_hook(self, my_task: Any) -> bool | None:
        """Ask for a child instance and wait (STARTED) until the platform completes the task."""
        my_task.internal_data[CALL_KEY] = "pending"
        return None


def _mapping(node: Any) -> dict[str, Any]:
    attrs = {k: node.get(k) for k in ("source", "sourceExpression", "target", "variables", "businessKey")}
    out = {k: v for k, v in attrs.items() if v is not None}
    if node.get("local") == "true":
        out["local"] = True
    return out


class ChildCallActivityParser(CamundaTaskParser):
    """Parse `bpmn:callActivity` with its Camunda attributes and mappings."""

    def create_task(self) -> ChildCallActivity:
        """Create the spec from the element's attributes and `camunda:in/out`."""
        def camunda(name: str) -> str | None:
            return self.node.get(f"{{{CAMUNDA}}}{name}")

        ext = "./bpmn:extensionElements/camunda:"
        return ChildCallActivity(
            self.spec, self.bpmn_id, called_element=(self.node.get("calledElement") or "").strip(),
            binding=camunda("calledElementBinding") or "latest", version=camunda("calledElementVersion"),
            version_tag=camunda("calledElementVersionTag"),
            in_mappings=[_mapping(n) for n in self.xpath(f"{ext}in")],
            out_mappings=[_mapping(n) for n in self.xpath(f"{ext}out")], **self.bpmn_attributes)


class ChildCallActivityConverter(BpmnTaskSpecConverter):
    """Serializer converter for ChildCallActivity."""

    def to_dict(self, spec: ChildCallActivity) -> dict[str, Any]:
        """Convert the spec to a dict."""
        dct = self.get_default_attributes(spec)
        dct.update(called_element=spec.called_element, binding=spec.binding, version=spec.version,
                   version_tag=spec.version_tag, in_mappings=spec.in_mappings,
                   out_mappings=spec.out_mappings)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> ChildCallActivity:
        """Restore the spec from a dict."""
        return self.task_spec_from_dict(dct)


def _called_element(text: str, variables: dict[str, Any]) -> str:
    """The called process key: literal, or `${...}` evaluated with the caller's variables."""
    if not is_expression(text):
        return text
    try:
        key = parameter_value(text, variables)
    except SandboxError as exc:
        raise CallError(f"calledElement {text!r}: {exc.message}") from None
    if not isinstance(key, str) or not key.strip():
        raise CallError(f"calledElement {text!r} gave {key!r}, not a process key")
    return key.strip()


def map_variables(mappings: list[dict], source: dict[str, Any], tag: str = "in") -> dict[str, Any]:
    """Apply `camunda:in` or `camunda:out` mappings to `source` variables (CallError on failure)."""
    out: dict[str, Any] = {}
    for item in mappings:
        if item.get("variables") == "all":
            out.update({k: v for k, v in source.items() if k not in RESERVED})
        elif item.get("target") and "sourceExpression" in item:
            try:
                out[item["target"]] = parameter_value(item["sourceExpression"], source)
            except SandboxError as exc:
                raise CallError(f"camunda:{tag} {item['sourceExpression']!r}: {exc.message}") from None
        elif item.get("target") and item.get("source"):
            if item["source"] in source:  # Camunda maps a missing variable to nothing
                out[item["target"]] = source[item["source"]]
    return json_clean(out)


def _call_tasks(workflow: Any, state: int) -> list[Any]:
    return [t for t in workflow.get_tasks(state=state) if isinstance(t.task_spec, ChildCallActivity)]


def _fail(task: Any, message: str) -> None:
    """Put a call task in ERROR with a message naming its element."""
    spec = task.task_spec
    label = f"{spec.bpmn_name!r} ({spec.bpmn_id})" if spec.bpmn_name else spec.bpmn_id
    task._set_state(TaskState.ERROR)
    task._set_internal_data(error=f"{label}: {message}")


def pending_calls(workflow: Any) -> list[dict[str, Any]]:
    """Call tasks waiting for a child instance, with the variables the child starts with."""
    found = []
    for task in _call_tasks(workflow, TaskState.STARTED):
        if task.internal_data.get(CALL_KEY) != "pending":
            continue
        spec = task.task_spec
        try:
            called = _called_element(spec.called_element, task.data)
            variables = map_variables(spec.in_mappings, dict(task.data))
        except CallError as exc:
            _fail(task, str(exc))
            continue
        found.append({"task_id": str(task.id), "element_id": spec.bpmn_id,
                      "called_element": called, "binding": spec.binding,
                      "version": spec.version, "version_tag": spec.version_tag,
                      "variables": variables})
    return found


def _task(workflow: Any, task_id: str) -> Any:
    from uuid import UUID

    task = workflow.get_task_from_id(UUID(task_id))
    if task is None or not isinstance(task.task_spec, ChildCallActivity):
        raise KeyError(task_id)
    return task


def mark_called(workflow: Any, task_id: str, child_id: int) -> None:
    """Remember which child instance a call task waits for."""
    _task(workflow, task_id).internal_data[CALL_KEY] = child_id


def fail_call(workflow: Any, task_id: str, message: str) -> None:
    """The child could not be started: the call task goes to ERROR (an incident)."""
    _fail(_task(workflow, task_id), message)


def cancelled_calls(workflow: Any) -> list[int]:
    """Children of call tasks cancelled meanwhile (a boundary event, a completion condition);
    each is reported once."""
    children = []
    for task in _call_tasks(workflow, TaskState.CANCELLED):
        value = task.internal_data.pop(CALL_KEY, None)
        if isinstance(value, int):
            children.append(value)
    return children


def waiting_child(workflow: Any, task_id: str) -> int | None:
    """The child instance id a STARTED call task waits for, if any."""
    task = _task(workflow, task_id)
    value = task.internal_data.get(CALL_KEY)
    return value if task.has_state(TaskState.STARTED) and isinstance(value, int) else None


def finish_call(workflow: Any, task_id: str, child_variables: dict[str, Any]) -> bool:
    """Apply `camunda:out` with the child's variables and complete the call task."""
    task = _task(workflow, task_id)
    if not task.has_state(TaskState.STARTED):
        return False
    try:
        task.data.update(map_variables(task.task_spec.out_mappings, child_variables, "out"))
    except CallError as exc:
        _fail(task, str(exc))
        return True
    task.internal_data.pop(CALL_KEY, None)
    task.complete()
    return True


def throw_child_error(workflow: Any, task_id: str, name: str | None, code: str | None) -> bool:
    """Throw the child's BPMN error at the call activity; False when no boundary event caught it."""
    task = _task(workflow, task_id)
    event = BpmnEvent(FlowdeskErrorEventDefinition(name, code=code), target=task.workflow)
    caught = workflow.top_workflow.event_manager.catch(event)
    workflow.top_workflow.get_events()  # an uncaught copy must not linger in the state
    if not caught:
        _fail(task, f"the called process ended with the error {code or name!r}, caught by no boundary event")
        return False
    return True


def uncaught_errors(workflow: Any) -> list[dict[str, Any]]:
    """BPMN errors thrown by the workflow's end events that nothing in it caught."""
    return [{"name": e.event_definition.name, "code": getattr(e.event_definition, "code", None)}
            for e in workflow.bpmn_events if isinstance(e.event_definition, ErrorEventDefinition)]
