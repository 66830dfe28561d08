"""The thin runner the engine service calls: create, advance, save and reload workflows.

Typical use (one unit of work, in a Celery task):
    spec, subs = cached_spec(version.spec_blob)            # or deserialize_spec
    wf = new_workflow(spec, subs, {"record": ..., "initiator": ...}, "lead.created", payload)
    result = advance(wf, handler)                         # runs to the next wait state
    instance.state = serialize_state(wf)                  # without the spec
    ... later: wf = deserialize_state(instance.state, version.spec_blob)
               complete_user_task(wf, task_id, form); advance(wf, handler)
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.spiff import events as _events
from engine.spiff import serializer as _ser
from engine.spiff import snapshot, starting, stepping
from engine.spiff.async_retry import retry_failed_async, retry_timers
from engine.spiff.data import DataError, clean_mapping, json_clean
from engine.spiff.expressions import evaluate_condition
from engine.spiff.forms import FormDataError, coerce_form_data
from engine.spiff.multi_instance import prune_finished
from engine.spiff.parser import FlowdeskParser
from engine.spiff.prune import pruned_elements
from engine.spiff.sandbox import DEFAULT_TIMEOUT, SandboxError
from engine.spiff.script_engine import FlowdeskScriptEngine
from engine.spiff.specs import AbortStep, ServiceHandler

serialize_spec = _ser.serialize_spec
deserialize_spec = _ser.deserialize_spec
cached_spec = _ser.cached_spec
SerializationError = _ser.SerializationError
START_EVENT_VARIABLE = starting.START_EVENT_VARIABLE


class RunnerError(ValueError):
    """A request the workflow cannot honour (unknown task, task not open, bad data)."""


@dataclass
class StepResult:
    """What the platform must persist after a step."""

    status: str  # 'waiting' | 'completed' | 'error'
    user_tasks: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    thrown: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False  # the step's budget ran out with work left: run again in a new step
    ran: list[Any] = field(default_factory=list)  # tasks the engine completed, in order
    retrying: dict[str, Any] | None = None  # engine.spiff.async_retry: another attempt to come


def load_spec(xml: bytes | str, process_id: str) -> tuple[Any, dict[str, Any]]:
    """Parse a BPMN document and return `(spec, subprocess_specs)` for `process_id`."""
    parser = FlowdeskParser()
    parser.add_bpmn_bytes(xml)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _engine(workflow: BpmnWorkflow) -> FlowdeskScriptEngine:
    """The workflow's script engine, attaching ours when missing (after deserialization)."""
    engine = workflow.script_engine
    if not isinstance(engine, FlowdeskScriptEngine):
        engine = FlowdeskScriptEngine()
        workflow.script_engine = engine
    return engine


def serialize_state(workflow: BpmnWorkflow) -> str:
    """The instance state as JSON, without the spec."""
    return _ser.serialize_state(workflow)


def deserialize_state(state: str, spec_blob: str, timeout: float = DEFAULT_TIMEOUT) -> BpmnWorkflow:
    """Restore an instance from its state and its version's spec blob; attach the script engine."""
    spec, subprocess_specs = _ser.cached_spec(spec_blob)
    workflow = _ser.deserialize_state(state, spec, subprocess_specs)
    workflow.script_engine = FlowdeskScriptEngine(timeout)
    return workflow


def serialize_full(workflow: BpmnWorkflow) -> str:
    """SpiffWorkflow's stock serialization (spec embedded), for exports and comparisons."""
    return _ser.full_serializer().serialize_json(workflow)


def new_workflow(
    spec: Any,
    subprocess_specs: dict[str, Any],
    variables: dict[str, Any],
    start_message: str | None = None,
    payload: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> BpmnWorkflow:
    """Create an instance with seeded variables; with `start_message`, fire that message start event.

    The payload is stored as the variable `event`. Nothing else runs: call `advance`.
    """
    seed = clean_mapping(dict(variables or {}))
    try:
        return starting.seeded_workflow(spec, subprocess_specs, seed, start_message, payload, timeout)
    except starting.StartRefused as exc:
        raise RunnerError(str(exc)) from exc.__cause__


def advance(
    workflow: BpmnWorkflow, service_handler: ServiceHandler | None, limits: stepping.Limits | None = None
) -> StepResult:
    """Run everything automatic (service tasks via `service_handler`) up to the next waits,
    or until the step's budget is spent (`more`)."""
    engine = _engine(workflow)
    engine.service_handler = service_handler
    run = stepping.Run()
    try:
        stepping.run_engine(workflow, limits, run)
    except AbortStep:
        raise  # the caller discards this step: nothing of it may look done
    except Exception as exc:  # a script, condition, timer... failed: the task goes to ERROR
        _record_failure(exc)
    finally:
        engine.service_handler = None
    prune_finished(workflow)
    result = step_result(workflow)
    if result.errors and limits is not None:
        first = run.completed[0] if run.completed else None
        retrying = retry_failed_async(workflow, limits.async_retries, first)
        result = step_result(workflow)  # reset for another attempt, or its message says it is the last
        result.retrying = retrying
    result.more, result.ran = run.more and result.status == "waiting", run.completed
    return result


def _record_failure(exc: Exception, fallback: Any = None) -> None:
    """Put the failing task in ERROR with a message; re-raise when no task can be found."""
    task = getattr(exc, "task", None) if isinstance(exc, WorkflowException) else None
    if task is not None:
        _mark_error(task, exc.args[0] if exc.args else type(exc).__name__)
    else:
        task = _failing_task(exc) or fallback
        if task is None:
            raise exc
        _mark_error(task, _describe_failure(task, exc))
    # for administrators (the incident's details), never shown to the people doing the tasks
    task._set_internal_data(error_details="".join(traceback.format_exception(exc))[-8000:])


def _failing_task(exc: Exception) -> Any:
    """The innermost task being worked on where `exc` was raised (from the traceback), if any."""
    found, frames = None, exc.__traceback__
    while frames is not None:
        for name in ("my_task", "task"):
            value = frames.tb_frame.f_locals.get(name)
            if isinstance(value, Task):
                found = value
        frames = frames.tb_next
    return found


def _describe_failure(task: Any, exc: Exception) -> str:
    """A message for an unexpected failure; timers get a hint about their expected value."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        expression = definition.expression
        return f"the timer {expression!r} did not give an ISO 8601 date, duration or cycle ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _mark_error(task: Any, detail: str) -> None:
    """Put a task in ERROR (and out of the event waits) with a message naming its element."""
    if not task.has_state(TaskState.ERROR):
        task.error()
    task.workflow.top_workflow.event_manager.remove_task(task)
    task._set_internal_data(error=f"{snapshot.element_label(task)}: {detail}")


def step_result(workflow: BpmnWorkflow) -> StepResult:
    """Describe the workflow's current waits, errors and data."""
    lost = stepping.unreached(workflow)
    if lost is not None:  # SpiffWorkflow's iterator cannot see it: report it ourselves
        _mark_error(lost, stepping.TREE_LIMIT_MESSAGE)
    timers, messages = snapshot.waits(workflow)
    timers += retry_timers(workflow)  # failed jobs waiting for another attempt (engine_timer rows)
    messages += _events.trigger_waits(workflow)
    errors = snapshot.errors(workflow) or stepping.errors_of(lost)
    if errors:
        status = "error"
    elif workflow.is_completed():
        status = "completed"
    else:
        status = "waiting"
    thrown = [
        {"name": e.event_definition.name, "code": getattr(e.event_definition, "code", None),
         "kind": _event_kind(e.event_definition), "payload": json_clean(e.payload)}
        for e in workflow.get_events()
    ]
    return StepResult(
        status, snapshot.user_tasks(workflow), timers, messages, errors, workflow_data(workflow), thrown
    )


def _task(workflow: BpmnWorkflow, task_id: str) -> Any:
    """Find a task by its id string."""
    try:
        task = workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, KeyError, WorkflowException):
        task = None
    if task is None:
        raise RunnerError(f"no task {task_id} in this process instance")
    return task


def complete_user_task(workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check and type the form data, store it on the open user task and complete it.

    Raises RunnerError (unknown or closed task) or forms.FormDataError (per-field errors).
    Returns the stored values. Call `advance` afterwards.
    """
    task = _task(workflow, task_id)
    if not (task.task_spec.manual and task.has_state(TaskState.READY)):
        raise RunnerError(f"task {task_id} is not an open user task")
    fields = snapshot.form_fields(task)
    try:
        values = clean_mapping(dict(data or {}))
    except DataError as exc:
        raise FormDataError({"data": str(exc)}) from None
    if fields:
        defaults = snapshot.opened_task_state(task)["defaults"]
        values = coerce_form_data(fields, values, defaults)
    task.set_data(**values)
    task.run()
    return values


def fire_due_timers(workflow: BpmnWorkflow) -> list[str]:
    """Let due timers fire; return the element ids that did. Call `advance` afterwards."""
    before = {task.id for task in workflow.get_tasks(state=TaskState.READY)}
    workflow.refresh_timers()
    return [
        task.task_spec.bpmn_id
        for task in workflow.get_tasks(state=TaskState.READY)
        if task.id not in before and getattr(task.task_spec, "bpmn_id", None)
    ]


def _condition_holds(owner: Any, scope: dict[str, Any]) -> bool:
    """Evaluate a message wait's `condition` property (false when it fails)."""
    condition = snapshot.properties_of(owner).get("condition")
    if not condition:
        return True
    try:
        return evaluate_condition(condition, scope)
    except SandboxError:
        return False


def _catcher(task: Any, name: str, payload: Any, extra: dict[str, Any]) -> tuple[BpmnEvent, Any] | None:
    """(event, element spec) for a task waiting for `name` whose condition holds.

    The condition sees the task data, the delivered `variables` and the payload as `event`.
    """
    for definition, owner in snapshot.listened(task):
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            result_variable = getattr(definition, "result_var", None) or START_EVENT_VARIABLE
            event = starting.message_event(name, payload, result_variable)
            if not task.task_spec.catches(task, event):
                continue
            scope = {**task.data, **extra, START_EVENT_VARIABLE: payload, result_variable: payload}
            if _condition_holds(owner, scope):
                return event, owner
    return None


def deliver_message(
    workflow: BpmnWorkflow, name: str, payload: dict[str, Any] | None, variables: dict[str, Any] | None = None
) -> list[str]:
    """Deliver a message to the tasks waiting for it (and whose condition holds).

    The payload is stored under the catch event's `camunda:resultVariable`, else `event`;
    `variables` (e.g. a fresh `record`) are set on the catching task and seen by the
    `condition` property. Returns the element ids that caught it (empty: nobody was
    waiting or no condition held). Call `advance` afterwards.
    """
    clean_payload = json_clean(payload)
    extra = clean_mapping(dict(variables or {}))
    _events.start_triggered(workflow, MessageEventDefinition(name))
    caught = []
    for task in list(workflow.event_manager.tasks.values()):
        found = _catcher(task, name, clean_payload, extra)
        if found is None:
            continue
        task.task_spec.catch(task, found[0])
        task.task_spec._update(task)
        task.data.update(extra)
        caught.append(found[1].bpmn_id)
    return caught


def retry_errored(workflow: BpmnWorkflow) -> list[str]:
    """Reset every errored task so that the next `advance` runs it again (data kept)."""
    reset = []
    for task in workflow.get_tasks(state=TaskState.ERROR):
        if not task.has_state(TaskState.ERROR):
            continue
        try:
            workflow.reset_from_task_id(task.id)
        except Exception as exc:  # it fails again at once (e.g. a timer value): ERROR again
            _record_failure(exc, fallback=task)
        reset.append(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)
    return reset


_STATE_PRIORITY = ("error", "ready", "started", "waiting", "completed", "cancelled")


def get_task_states(workflow: BpmnWorkflow) -> dict[str, str]:
    """Element id -> error|ready|started|waiting|completed|cancelled, the most urgent first (colours)."""
    states: dict[str, str] = {}
    pruned = [(element, state) for element, state in pruned_elements(workflow).items()]
    for task in [*workflow.get_tasks(), *pruned]:
        element = task[0] if isinstance(task, tuple) else getattr(task.task_spec, "bpmn_id", None)
        name = task[1] if isinstance(task, tuple) else TaskState.get_name(task.state).lower()
        if element is None or name not in _STATE_PRIORITY:
            continue
        current = states.get(element)
        if current is None or _STATE_PRIORITY.index(name) < _STATE_PRIORITY.index(current):
            states[element] = name
    return states


def workflow_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The process variables: the last completed task's data plus that of the open tasks."""
    data: dict[str, Any] = {}
    last = workflow.last_task or workflow.task_tree
    data.update(last.data)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR):
        data.update(task.data)
    return json_clean(data)


def _event_kind(definition: Any) -> str:
    """SpiffWorkflow's name of the event's kind (our subclasses report their stock class)."""
    for cls in type(definition).__mro__:
        if cls.__module__.startswith("SpiffWorkflow"):
            return cls.__name__
    return type(definition).__name__
