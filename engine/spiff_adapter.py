"""The runtime's view of engine.spiff: validation, step results, messages, timers and tasks
(specs per version and states per instance: engine.spiff_states, re-exported here).

engine.spiff is imported lazily so that the web app starts (and the API answers) even
before a worker touches a diagram.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crm.entities import REGISTRY
from crm.event_types import TRIGGER_CHANGES, MailEvent
from engine.spiff_states import (  # noqa: F401 (the runtime calls them as spiff.load, spiff.dump...)
    NotStartable,
    dump,
    forget_specs,
    load,
    new_state,
    version_spec,
)

log = logging.getLogger(__name__)

RECORD_ACTIONS = tuple(TRIGGER_CHANGES)
RECORD_ENTITIES = tuple(REGISTRY)
# Events about a record of any type (the mail package records them); a start event's optional
# camunda property "entity" narrows the trigger to one type.
RECORD_MESSAGES = tuple(MailEvent)


class TaskNotOpen(Exception):
    """The user task is unknown or no longer open."""


@dataclass
class Validation:
    errors: list[dict]
    process_id: str | None = None
    name: str | None = None
    triggers: list[dict] = field(default_factory=list)
    spec_blob: str | None = None
    warnings: list[dict] = field(default_factory=list)
    other_triggers: dict[str, list[dict]] = field(default_factory=dict)  # the file's other processes


@dataclass
class Step:
    """A step's outcome in the shapes the runtime stores."""

    user_tasks: list[dict]
    timers: list[dict]
    messages: list[dict]
    error: tuple[str | None, str] | None
    completed: bool
    log: list[dict] = field(default_factory=list)
    thrown: list[dict] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)  # messages thrown that no task of its own caught
    more: bool = False  # the step's budget ran out with work left: run the instance again
    error_details: str | None = None  # the failure's traceback, for the incident
    retrying: dict | None = None  # a failed async element reset for another attempt
    external_tasks: list[dict] = field(default_factory=list)  # service tasks waiting for a worker
    # (completed in the step, open at its end, whether it was the instance's first step): history
    activations: tuple[list, list, bool] = ([], [], False)
    data: dict = field(default_factory=dict)  # the variables at the end of the engine's run


def validate(data: bytes, topics: dict) -> Validation:
    """Validate an uploaded diagram; triggers come from its record-event message start events."""
    from engine.spiff.validation import validate_bpmn

    try:
        result = validate_bpmn(data, topics)
    except Exception as exc:  # never a 500 for an odd upload
        log.exception("validating an upload failed")
        return Validation([{"element": None, "message": f"the diagram could not be read: {exc}"}])
    errors = [_error_dict(e) for e in result.errors]
    if not errors and len(result.process_id or "") > 255:
        errors = [{"element": result.process_id[:80], "message": "the process id is longer than 255"}]
    if errors:
        return Validation(errors)
    others = {pid: _triggers(starts) for pid, starts in (getattr(result, "other_starts", None) or {}).items()}
    return Validation([], result.process_id, result.name, _triggers(getattr(result, "message_starts", None)),
                      getattr(result, "spec_blob", None), list(getattr(result, "warnings", None) or []),
                      others)


def _error_dict(error: Any) -> dict:
    if isinstance(error, dict):
        return {"element": error.get("element"), "message": error.get("message")}
    return {"element": getattr(error, "element", None), "message": getattr(error, "message", str(error))}


def _triggers(message_starts: Any) -> list[dict]:
    """{message, entity, action, fields, condition, element_id} per `<entity>.<action>` start."""
    out = []
    for start in message_starts or []:
        start = start if isinstance(start, dict) else vars(start)
        message = start.get("message") or start.get("name")
        entity, _, action = str(message).partition(".")
        props = start.get("properties") or {}
        if message in RECORD_MESSAGES:
            entity = props.get("entity") if props.get("entity") in RECORD_ENTITIES else None
        elif entity not in RECORD_ENTITIES or action not in RECORD_ACTIONS:
            continue
        fields = props.get("fields")
        out.append({
            "message": message, "entity": entity, "action": action,
            "fields": [f.strip() for f in fields.split(",") if f.strip()] if fields else None,
            "condition": props.get("condition") or None,
            "element_id": start.get("element_id") or start.get("element") or start.get("id"),
        })
    return out


def spec_blob(data: bytes, process_id: str) -> str:
    """Parse a diagram and serialize its spec (stored once per version)."""
    from engine.spiff import runner

    spec, subprocess_specs = runner.load_spec(data, process_id)
    return runner.serialize_spec(spec, subprocess_specs)


def variables(wf: Any) -> dict:
    """The process variables."""
    from engine.spiff import runner

    return runner.workflow_data(wf)


def task_states(wf: Any) -> dict[str, str]:
    """Element id -> state, for colouring the diagram."""
    from engine.spiff import runner

    return runner.get_task_states(wf)


def current_elements(wf: Any, states: dict[str, str]) -> list[str]:
    """Elements that are ready, running, waiting or in error (not the boundary events waiting
    on them: as in Camunda's activity instances, those are subscriptions, not positions)."""
    from engine.spiff.snapshot import listening_boundaries

    listening = listening_boundaries(wf)
    return sorted(e for e, s in states.items()
                  if s in ("ready", "started", "waiting", "error") and e not in listening)


def limits(config: dict) -> Any:
    """The engine's step and instance budgets from the app config."""
    from engine.spiff.stepping import Limits

    return Limits(step_tasks=int(config.get("ENGINE_STEP_TASKS", 1000)),
                  step_seconds=float(config.get("ENGINE_STEP_SECONDS", 2.0)),
                  instance_tasks=int(config.get("ENGINE_INSTANCE_TASKS", 1_000_000)),
                  async_retries=int(config.get("ENGINE_ASYNC_RETRIES", 3)))


def advance(wf: Any, handler: Any, budget: Any = None) -> Step:
    """Run to the next wait state or the end of the step's `budget` (spiff_adapter.limits);
    `handler(topic, params, task_uuid, element_id)` runs activities."""
    from engine.spiff import external, runner

    def service(topic: str, params: dict, ctx: Any) -> dict | None:
        """Adapt the runner's service call to the runtime's handler."""
        return handler(topic, params, ctx.task_id, ctx.element_id)

    done_before = _completed_ids(wf)
    fresh = _engine_tasks(wf) == 0  # its first step: no activation of it was recorded yet
    data_before = runner.workflow_data(wf)
    result = runner.advance(wf, service, budget)
    error = details = None
    if result.errors:
        first = result.errors[0]
        error, details = (first.get("element_id"), first.get("message") or "failed"), first.get("details")
    return Step(
        user_tasks=[_user_task(t) for t in result.user_tasks],
        timers=[_timer(t) for t in result.timers if t.get("due")],
        messages=[{"element_id": m["element_id"], "name": m["message"], "condition": m.get("condition"),
                   "kind": m.get("kind", "message")} for m in result.messages if m.get("message")],
        signals=_thrown_signals(wf, done_before), sent=_thrown_messages(wf, done_before, result.thrown),
        error=error, error_details=details, completed=result.status == "completed", more=result.more,
        retrying=result.retrying,
        log=_step_log(wf, done_before, data_before, result.data), thrown=result.thrown,
        external_tasks=external.waiting(wf),
        activations=(*_activations(wf, done_before), fresh), data=result.data,
    )


def _engine_tasks(wf: Any) -> int:
    from engine.spiff.stepping import engine_tasks

    return engine_tasks(wf)


def _activations(wf: Any, done_before: set) -> tuple[list, list]:
    from engine.spiff import history

    return history.step_activations(wf, done_before)


def task_outcome(wf: Any, task_uuid: str) -> str:
    """What became of a task no longer open: "completed" or "cancelled"."""
    from engine.spiff import history

    return history.task_outcome(wf, task_uuid)


def _thrown_signals(wf: Any, done_before: set) -> list[dict]:
    """Signals thrown in the step, for the platform to broadcast to other instances."""
    from engine.spiff import event_starts

    return event_starts.thrown_signals(wf, done_before)


def _thrown_messages(wf: Any, done_before: set, uncaught: list[dict]) -> list[dict]:
    """Messages thrown in the step that the instance did not catch itself, for the platform
    to deliver (SpiffWorkflow hands a throw to the workflow's own waits first)."""
    from engine.spiff import event_starts

    left = [e["name"] for e in uncaught if e.get("kind") == "MessageEventDefinition"]
    sent = []
    for message in event_starts.thrown_messages(wf, done_before):
        if message["name"] in left:
            left.remove(message["name"])
            sent.append(message)
    return sent


def start_event_names(version: Any, kind: str) -> set[str]:
    """Names of the version's `kind` (message, signal) start events."""
    from engine.spiff import event_starts

    return event_starts.start_event_names(version_spec(version)[0], kind)


def timer_starts(version: Any) -> list[dict]:
    """The version's timer start events: [{element_id, kind, expression}]."""
    from engine.spiff import event_starts

    return event_starts.timer_starts(version_spec(version)[0])


def _completed_ids(wf: Any) -> set:
    from engine.spiff import progress

    return progress.completed_task_ids(wf)


def _step_log(wf: Any, done_before: set, data_before: dict, data_after: dict) -> list[dict]:
    """Log entries: each element completed in the step, then the variables it changed."""
    from engine.spiff import progress

    return progress.step_log(wf, done_before, data_before, data_after)


def _user_task(task: dict) -> dict:
    return {**task, "task_uuid": task["task_id"], "due_at": task.get("due_date")}


def _timer(timer: dict) -> dict:
    due = datetime.fromisoformat(timer["due"]).astimezone(UTC).replace(tzinfo=None)
    return {"task_uuid": timer["task_id"], "element_id": timer["element_id"], "due_at": due}


def complete_user_task(wf: Any, task_uuid: str, data: dict) -> str:
    """Complete an open user task; returns its element id."""
    from engine.spiff import runner

    try:
        task = runner._task(wf, task_uuid)
        runner.complete_user_task(wf, task_uuid, data)
    except runner.RunnerError as exc:
        raise TaskNotOpen(str(exc)) from None
    return task.task_spec.bpmn_id


def pending_retries(wf: Any) -> list[dict]:
    """Failed jobs waiting for another attempt (camunda:failedJobRetryTimeCycle)."""
    from engine.spiff.async_retry import pending_retries as pending

    return pending(wf)


def fire_due_timers(wf: Any, now: datetime | None = None) -> list[str]:
    """Let due timers and due retries of failed jobs fire; returns their element ids."""
    from engine.spiff import runner
    from engine.spiff.async_retry import release_due

    released = release_due(wf, now or datetime.now(UTC).replace(tzinfo=None))
    return runner.fire_due_timers(wf) + released


def deliver_message(wf: Any, name: str, payload: dict, fresh: dict | None = None,
                    kind: str = "message") -> list[str]:
    """Deliver a message (or signal) to the events waiting for it; returns those that caught it."""
    from engine.spiff import runner

    if kind == "signal":
        from engine.spiff import event_starts

        return event_starts.deliver_signal(wf, name, payload)
    return runner.deliver_message(wf, name, payload, fresh)


def retry_errored(wf: Any) -> list[str]:
    """Reset errored tasks so that the next step runs them again."""
    from engine.spiff import runner

    return runner.retry_errored(wf)


def raw_run(xml: bytes, process_id: str, variables: dict, start_message: str | None) -> Any:
    """Parse, start and advance a diagram with no database (the benchmark's baseline)."""
    from engine.spiff import runner

    spec, subs = runner.load_spec(xml, process_id)
    wf = runner.new_workflow(spec, subs, variables, start_message, {"type": start_message})
    return runner.advance(wf, lambda topic, params, ctx: {})


def abort_step(reason: str) -> Exception:
    """The exception a service handler raises to give the whole step up (to be retried later)."""
    from engine.spiff.specs import AbortStep

    return AbortStep(reason)
