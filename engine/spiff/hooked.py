"""Task spec classes that run listeners, input/output mappings and error variables.

Only elements that declare something (engine.spiff.hook_parse) get a hooked class, so
every other element keeps SpiffWorkflow's stock class and behaviour. Each hooked class
subclasses the stock one with a mixin and is serialized by the stock class's converter
under its own type name (`Hooked<Name>`), so stored specs without hooks are unchanged.

Moments (SpiffWorkflow task life cycle):
* activity start (`_on_ready`; for subprocesses when the child workflow is created):
  inputs, then `start` listeners; user tasks then `assignment` (if an assignee is set)
  and `create` task listeners;
* user task completed (`_run`, after the form data is stored): `complete` task listeners;
* end (`_run`, once the element's own work succeeded, before it completes): error
  variables, `end` listeners, outputs, then the `take` listeners of the flows leaving
  towards the tasks that will run;
* a user task cancelled while open: `delete` task listeners (their variable changes go
  with the cancelled branch).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    CallActivity,
    EndEvent,
    EventBasedGateway,
    EventSubprocess,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ManualTask,
    NoneTask,
    ParallelGateway,
    ReceiveTask,
    ScriptTask,
    SendTask,
    StartEvent,
    SubWorkflowTask,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as AnySubWorkflow
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from engine.spiff import io_mapping, listeners
from engine.spiff.calls import ChildCallActivity
from engine.spiff.decision_task import DecisionTask
from engine.spiff.hook_parse import read_hooks
from engine.spiff.specs import ExternalServiceTask

STARTED_KEY = "hooks_started"


def _start(task: Any) -> None:
    """Inputs and start listeners, once per task."""
    if task.internal_data.get(STARTED_KEY):
        return
    task._set_internal_data(**{STARTED_KEY: True})
    io_mapping.apply_inputs(task)
    listeners.fire_execution(task, "start")
    if isinstance(task.task_spec, UserTask):
        listeners.start_user_task(task)


def _end(task: Any) -> None:
    """End listeners, outputs, then the take listeners of the flows taken."""
    listeners.fire_execution(task, "end")
    io_mapping.apply_outputs(task)
    listeners.fire_take(task)


class HookMixin:
    """Runs the element's hooks at the moments listed in the module docstring.

    A failing hook puts the task in ERROR with a message naming the element, whichever
    caller (advance, message delivery, timers) moved the task.
    """

    def _on_ready(self, my_task: Any) -> None:
        """Start the activity (subprocesses start in `copy_data` instead)."""
        if isinstance(self, AnySubWorkflow) or listeners.guarded(my_task, _start):
            super()._on_ready(my_task)  # type: ignore[misc]
        else:
            my_task.error()

    def _run(self, my_task: Any) -> Any:
        """`complete` task listeners, the element's own work, then the end hooks."""
        if isinstance(self, UserTask) and not listeners.guarded(
            my_task, lambda task: listeners.fire_task(task, "complete")
        ):
            return False
        result = super()._run(my_task)  # type: ignore[misc]
        if result is True and not listeners.guarded(my_task, _end):
            return False
        return result

    def _on_cancel(self, my_task: Any) -> None:
        """An open user task that is cancelled runs its `delete` task listeners (errors ignored)."""
        if isinstance(self, UserTask) and my_task.has_state(TaskState.READY):
            listeners.guarded(my_task, lambda task: listeners.fire_task(task, "delete"))
        super()._on_cancel(my_task)  # type: ignore[misc]


class SubWorkflowHookMixin(HookMixin):
    """Subprocesses and call activities: start hooks run before the data goes to the child."""

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        """Inputs and start listeners, then hand the (local) variables to the child workflow."""
        _start(my_task)
        super().copy_data(my_task, subworkflow)  # type: ignore[misc]


BASES = (
    UserTask, ScriptTask, NoneTask, ManualTask, SendTask, ReceiveTask, BusinessRuleTask, DecisionTask,
    ExternalServiceTask, ChildCallActivity, CallActivity, SubWorkflowTask, EventSubprocess, StartEvent,
    EndEvent, IntermediateCatchEvent, IntermediateThrowEvent, BoundaryEvent, ExclusiveGateway,
    InclusiveGateway, ParallelGateway, EventBasedGateway,
)  # fmt: skip


def _mixin(base: type) -> type:
    """The mixin a stock class needs."""
    if issubclass(base, AnySubWorkflow):
        return SubWorkflowHookMixin
    return HookMixin


HOOKED: dict[type, type] = {base: type(f"Hooked{base.__name__}", (_mixin(base), base), {}) for base in BASES}


def register_converters(config: dict[type, Any]) -> None:
    """Serialize each hooked class with its stock class's converter."""
    for base, hooked in HOOKED.items():
        if base in config:
            config[hooked] = config[base]


def parse_node(process_parser: ProcessParser, node: Any) -> Any:
    """ProcessParser.parse_node, choosing a hooked class when the element declares hooks."""
    existing = process_parser.spec.task_specs.get(node.get("id"))
    node_parser, spec_class = process_parser.parser._get_parser_class(node.tag)
    if existing is not None or not node_parser or not spec_class:
        return ProcessParser.parse_node(process_parser, node)
    outgoing = process_parser.get_outgoing_sequence_flows(node.get("id"))
    hooks = read_hooks(node, outgoing, external_io=issubclass(spec_class, ExternalServiceTask))
    if hooks:
        spec_class = HOOKED.get(spec_class, spec_class)
    np = node_parser(process_parser, spec_class, node, process_parser.nsmap, lane=process_parser.lane)
    result = np.parse_node()
    if hooks:
        target = _hooked_spec(process_parser, np.task)
        target.extensions = {**(target.extensions or {}), listeners.HOOKS_KEY: hooks}
    return result


def _hooked_spec(process_parser: ProcessParser, spec: Any) -> Any:
    """The spec that runs the element: a multi-instance wrapper's inner activity, else `spec`."""
    if not hasattr(spec, "extensions") and isinstance(getattr(spec, "task_spec", None), str):
        return process_parser.spec.task_specs[spec.task_spec]
    return spec
