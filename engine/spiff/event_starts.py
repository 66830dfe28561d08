"""Signals and start events beyond the none/message start, as the platform drives them.

* signals: the waits (catch, boundary, event-based gateway targets, event subprocess
  starts), delivering a signal from outside, and the signals a step threw (the platform
  broadcasts them to every other instance, as Camunda 7 does), and the messages it threw
  (the platform hands each to one receiver, engine.message_throws);
* the names of a spec's message/signal start events and its timer start events;
* starting a new workflow through a signal or timer start event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from engine.spiff import events
from engine.spiff.data import clean_mapping
from engine.spiff.snapshot import listened

START_KINDS = {"message": MessageEventDefinition, "signal": SignalEventDefinition}
TIMER_KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}


class StartFailed(ValueError):
    """The workflow has no start event of that kind and name."""


def signal_waits(workflow: Any) -> list[dict[str, Any]]:
    """A wait entry (kind "signal") per signal a waiting task or event subprocess listens for."""
    found = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        for definition, owner in listened(task):
            if isinstance(definition, SignalEventDefinition):
                found.append({"task_id": str(task.id), "element_id": owner.bpmn_id, "name": owner.bpmn_name,
                              "message": definition.name, "condition": None, "kind": "signal"})
    listening = {t.task_spec.bpmn_id for t in workflow.event_manager.tasks.values()}
    for start in events.pending_trigger_starts(workflow):
        definition = start.event_definition
        if isinstance(definition, SignalEventDefinition) and start.bpmn_id not in listening:
            found.append({"task_id": None, "element_id": start.bpmn_id, "name": start.bpmn_name,
                          "message": definition.name, "condition": None, "kind": "signal"})
    return found


def deliver_signal(workflow: Any, name: str, variables: dict[str, Any] | None) -> list[str]:
    """Hand a signal to every waiting catch of the workflow; returns the catching elements."""
    event = BpmnEvent(SignalEventDefinition(name), payload=clean_mapping(dict(variables or {})))
    events.start_triggered(workflow, event.event_definition)
    caught = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING) or isinstance(task.task_spec, StartEvent) and (
                task.workflow is workflow):
            continue  # the process's own start events only start new instances
        if task.task_spec.catches(task, event):
            task.task_spec.catch(task, event)
            task.task_spec._update(task)
            caught.append(task.task_spec.bpmn_id)
    return caught


def thrown_signals(workflow: Any, done_before: set) -> list[dict[str, Any]]:
    """Signals thrown by throw/end events completed since `done_before`."""
    return _thrown(workflow, done_before, SignalEventDefinition)


def thrown_messages(workflow: Any, done_before: set) -> list[dict[str, Any]]:
    """Messages thrown by throw/end events and send tasks completed since `done_before`."""
    return _thrown(workflow, done_before, MessageEventDefinition)


def _thrown(workflow: Any, done_before: set, cls: type) -> list[dict[str, Any]]:
    """{name, element_id} per throwing task of event definition `cls` completed in the step."""
    from engine.spiff.stepping import ran_tasks

    thrown, seen = [], set()
    for task in [*ran_tasks(workflow), *workflow.get_tasks(state=TaskState.COMPLETED)]:
        if task.id in seen or not task.has_state(TaskState.COMPLETED):
            continue
        seen.add(task.id)
        definition = getattr(task.task_spec, "event_definition", None)
        if task.id in done_before or not isinstance(task.task_spec, ThrowingEvent):
            continue
        if isinstance(definition, cls):
            thrown.append({"name": definition.name, "element_id": task.task_spec.bpmn_id})
    return thrown


def _start_events(spec: Any) -> list[Any]:
    return [ts for ts in spec.task_specs.values() if isinstance(ts, StartEvent)]


def start_event_names(spec: Any, kind: str) -> set[str]:
    """Names of the process's own (not event-subprocess) start events of `kind`."""
    cls = START_KINDS[kind]
    return {ts.event_definition.name for ts in _start_events(spec) if isinstance(ts.event_definition, cls)}


def timer_starts(spec: Any) -> list[dict[str, Any]]:
    """[{element_id, kind (date|duration|cycle|cron), expression}] of the timer start events."""
    from engine.spiff.event_rules import is_cron

    found = []
    for ts in _start_events(spec):
        timer = (getattr(ts, "extensions", None) or {}).get("timer_start")
        if not timer:
            continue
        kind = TIMER_KINDS.get(timer["kind"], "date")
        if kind == "cycle" and is_cron(timer["text"]):
            kind = "cron"
        found.append({"element_id": ts.bpmn_id, "kind": kind, "expression": timer["text"]})
    return found


def fire_start_event(workflow: Any, kind: str, name: str | None, variables: dict[str, Any]) -> str:
    """Fire the new workflow's `kind` start event: a signal's name, or a timer's element id."""
    for task in list(workflow.event_manager.tasks.values()):
        spec = task.task_spec
        if not isinstance(spec, StartEvent) or task.workflow is not workflow:
            continue
        definition = spec.event_definition
        if kind == "timer" and spec.bpmn_id == name and isinstance(definition, TimerEventDefinition):
            event = BpmnEvent(definition)
        elif kind == "signal" and isinstance(definition, SignalEventDefinition) and definition.name == name:
            event = BpmnEvent(definition, payload=clean_mapping(dict(variables)))
        else:
            continue
        spec.catch(task, event)
        spec._update(task)
        return spec.bpmn_id
    raise StartFailed(f"the process has no {kind} start event {name!r}")


def _utc_naive(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _parse_date(text: str) -> datetime:
    return _utc_naive(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


def _duration(text: str, start: datetime) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed, start.replace(tzinfo=UTC))


def _cycle(text: str) -> tuple[int | None, datetime | None, str]:
    """(repetitions or None for unbounded, optional start date, duration text) of `R3/PT10M`."""
    parts = text.strip().upper().lstrip("R").split("/")
    repetitions = int(parts[0]) if parts[0] else None
    start = _parse_date(parts[1]) if len(parts) == 3 else None
    return repetitions, start, parts[-1]


def first_due(kind: str, text: str, now: datetime) -> tuple[datetime | None, int | None]:
    """(first due time, repetitions left) of a timer start deployed at `now` (naive UTC)."""
    from croniter import croniter

    if kind == "date":
        return _parse_date(text), 1
    if kind == "duration":
        return now + _duration(text, now), 1
    if kind == "cron":
        return _utc_naive(croniter(" ".join(text.split()[:6]), now, second_at_beginning=True)
                          .get_next(datetime)), None
    repetitions, start, duration = _cycle(text)
    return (start or now + _duration(duration, now)), repetitions


def next_due(kind: str, text: str, after: datetime,
             remaining: int | None) -> tuple[datetime | None, int | None]:
    """The due time after `after` and the repetitions left then (None, 0: no more)."""
    from croniter import croniter

    if kind == "cron":
        return _utc_naive(croniter(" ".join(text.split()[:6]), after, second_at_beginning=True)
                          .get_next(datetime)), None
    if kind != "cycle" or remaining == 1:
        return None, 0
    _repetitions, _start, duration = _cycle(text)
    return after + _duration(duration, after), (None if remaining is None else remaining - 1)
