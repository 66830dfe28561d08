"""Read a workflow's waits for the platform: open user tasks, timers, message waits, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from engine.spiff.data import json_clean
from engine.spiff.expressions import is_expression, parameter_value
from engine.spiff.forms import FieldDef, field_from_spec, typed_value
from engine.spiff.sandbox import SandboxError

STATE_KEY = "flowdesk"


def element_label(task: Any) -> str:
    """`'Name' (element_id)` for messages."""
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None)
    element = getattr(spec, "bpmn_id", None) or spec.name
    return f"{name!r} ({element})" if name else str(element)


def to_utc_iso(value: Any) -> str | None:
    """A datetime / date / ISO string as an ISO UTC timestamp (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _due(value: Any) -> str | None:
    """A due date: datetime, date, ISO timestamp or ISO duration (from now)."""
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(value.strip())
        return to_utc_iso(datetime.now(UTC) + TimerEventDefinition.get_timedelta_from_start(parsed))
    return to_utc_iso(value)


def _as_list(value: Any) -> list[Any]:
    """Candidates as a list: comma-separated text is split, scalars wrapped."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_clean(item) for item in value]
    return [json_clean(value)]


def _candidates(text: str | None, variables: dict[str, Any]) -> list[Any]:
    """Evaluate candidateUsers/candidateGroups: one expression, or a comma list of items."""
    if not text:
        return []
    if is_expression(text):
        return _as_list(parameter_value(text, variables))
    return [json_clean(parameter_value(item.strip(), variables)) for item in text.split(",") if item.strip()]


_EVALUATORS = {
    "assignee": lambda text, variables: json_clean(parameter_value(text, variables)) or None,
    "candidate_users": _candidates,
    "candidate_groups": _candidates,
    "due_date": lambda text, variables: _due(parameter_value(text, variables)),
    "follow_up_date": lambda text, variables: _due(parameter_value(text, variables)),
    "priority": lambda text, variables: int(parameter_value(text, variables)),
}


def _evaluate_assignment(extensions: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """Evaluate the assignment attributes once; failures are reported, not raised."""
    values: dict[str, Any] = {"errors": []}
    for key, evaluator in _EVALUATORS.items():
        text = extensions.get(key)
        values[key] = [] if key.startswith("candidate") else None
        if not text:
            continue
        try:
            values[key] = evaluator(text, variables)
        except (SandboxError, ValueError, TypeError) as exc:
            values["errors"].append(f"{key} {text!r}: {getattr(exc, 'message', exc)}")
    return values


def _field_default(fdef: FieldDef, variables: dict[str, Any]) -> Any:
    """Evaluate a field's default (expression or literal), typed when possible."""
    if fdef.default is None or fdef.default == "":
        return None
    try:
        raw = parameter_value(fdef.default, variables)
        return json_clean(typed_value(fdef, raw)) if raw is not None else None
    except (SandboxError, ValueError, TypeError):
        return None


def describe_field(fdef: FieldDef, default: Any) -> dict[str, Any]:
    """A form field as the inbox shows it."""
    return {
        "id": fdef.id,
        "type": fdef.type,
        "label": fdef.label or fdef.id,
        "default": default,
        "required": fdef.has("required"),
        "readonly": fdef.has("readonly"),
        "options": [{"id": option_id, "name": name or option_id} for option_id, name in fdef.options],
        "min": fdef.constraint("min") or None,
        "max": fdef.constraint("max") or None,
        "minlength": fdef.constraint("minlength") or None,
        "maxlength": fdef.constraint("maxlength") or None,
        "properties": dict(fdef.properties),
    }


def form_fields(task: Any) -> list[FieldDef]:
    """The FieldDefs of a user task's form (empty when it has none)."""
    form = getattr(task.task_spec, "form", None)
    return [field_from_spec(item) for item in getattr(form, "fields", [])]


def opened_task_state(task: Any) -> dict[str, Any]:
    """Assignment and defaults, evaluated when the task is first seen and then kept."""
    stored = task.internal_data.get(STATE_KEY)
    if stored is None:
        extensions = task.task_spec.extensions or {}
        stored = _evaluate_assignment(extensions, task.data)
        stored["defaults"] = {f.id: _field_default(f, task.data) for f in form_fields(task)}
        task.internal_data[STATE_KEY] = stored
    return stored


def describe_user_task(task: Any) -> dict[str, Any]:
    """An open user task with its form, assignment (raw and evaluated) and lane."""
    spec, extensions = task.task_spec, task.task_spec.extensions or {}
    state = opened_task_state(task)
    fields = [describe_field(f, state["defaults"].get(f.id)) for f in form_fields(task)]
    described = {
        "task_id": str(task.id),
        "element_id": spec.bpmn_id,
        "name": spec.bpmn_name,
        "lane": spec.lane,
        "documentation": spec.documentation,
        "form": fields,
        "camunda_form": extensions.get("camunda_form"),
        "properties": dict(extensions.get("properties") or {}),
        "assignment_errors": list(state["errors"]),
    }
    for key in _EVALUATORS:
        described[f"{key}_expression"] = extensions.get(key)
        described[key] = state[key]
    return described


def user_tasks(workflow: Any) -> list[dict[str, Any]]:
    """All READY user tasks (subprocesses included)."""
    return [describe_user_task(t) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def _timer_due(definition: Any, task: Any) -> str | None:
    """The due time of a waiting timer, from the value the engine computed."""
    value = task.internal_data.get("event_value")
    if isinstance(definition, CycleTimerEventDefinition) and isinstance(value, dict):
        value = value.get("next") if value.get("cycles") != 0 else None
    elif isinstance(definition, TimeDateEventDefinition) and isinstance(value, str):
        value = TimerEventDefinition.parse_time_or_duration(value)
    return to_utc_iso(value) if value else None


def listened(task: Any) -> list[tuple[Any, Any]]:
    """(event definition, owning spec) pairs a waiting task listens for.

    An event-based gateway holds its targets' definitions, in the order of its outputs.
    """
    definition = task.task_spec.event_definition
    if not isinstance(definition, MultipleEventDefinition):
        return [(definition, task.task_spec)]
    outputs = list(task.task_spec.outputs)
    owners = outputs if len(outputs) == len(definition.event_definitions) else []
    return [
        (item, owners[index] if owners else task.task_spec)
        for index, item in enumerate(definition.event_definitions)
    ]


def properties_of(spec: Any) -> dict[str, str]:
    """The camunda properties kept in a spec's extensions."""
    return dict((getattr(spec, "extensions", None) or {}).get("properties") or {})


def _wait(task: Any, definition: Any, owner: Any) -> tuple[str, dict[str, Any]] | None:
    """('timer' | 'message', description) for one definition a waiting task listens for."""
    base = {"task_id": str(task.id), "element_id": owner.bpmn_id, "name": owner.bpmn_name}
    if isinstance(definition, TimerEventDefinition):
        return "timer", {**base, "kind": type(definition).__name__, "due": _timer_due(definition, task)}
    if isinstance(definition, MessageEventDefinition):
        return "message", {
            **base,
            "message": definition.name,
            "condition": properties_of(owner).get("condition"),
            "result_variable": getattr(definition, "result_var", None),
        }
    return None


def waits(workflow: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(timers, message waits) of the tasks waiting for events."""
    found: dict[str, list[dict[str, Any]]] = {"timer": [], "message": []}
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        for definition, owner in listened(task):
            entry = _wait(task, definition, owner)
            if entry is not None:
                found[entry[0]].append(entry[1])
    return found["timer"], found["message"]


def errors(workflow: Any) -> list[dict[str, Any]]:
    """Tasks in ERROR with the message recorded on them."""
    found = []
    for task in workflow.get_tasks(state=TaskState.ERROR):
        message = task.internal_data.get("error") or f"{element_label(task)} failed"
        found.append(
            {
                "task_id": str(task.id),
                "element_id": getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name,
                "name": getattr(task.task_spec, "bpmn_name", None),
                "message": message,
                "details": task.internal_data.get("error_details"),
            }
        )
    return found


def listening_boundaries(workflow: Any) -> set[str]:
    """Ids of boundary events still waiting on their activity (subscriptions, not positions)."""
    from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

    return {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(t.task_spec, BoundaryEvent)}
