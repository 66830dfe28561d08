"""Custom task specs: the Camunda external service task (`camunda:type="external"`).

Result convention: the handler returns a dict of variables (or None).
* no output declared: the dict is merged into the task data (Camunda's external-task
  semantics: `{"task_id": 12}` sets `task_id`; TopicSpec.result names that main key);
* `camunda:resultVariable="x"` on the service task: the whole result is stored as `x`;
* `camunda:outputParameter name="x"`: `${...}` evaluated with the result's keys (and the
  whole result as `result`) in scope, stored as `x`; an empty value stores the whole result.
A failing parameter or handler puts the task in ERROR with a message naming the element
(stored in the task's internal data, key "error"); it never raises out of the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

from engine.spiff.data import DataError, json_clean
from engine.spiff.expressions import parameter_value


@dataclass(frozen=True)
class TaskContext:
    """What a service handler learns about the task calling it."""

    task_id: str
    element_id: str
    name: str | None
    topic: str
    data: dict[str, Any]


ServiceHandler = Callable[[str, dict[str, Any], TaskContext], "dict[str, Any] | None"]


class ServiceTaskError(Exception):
    """A service task could not run (missing handler, bad result)."""


class AbortStep(Exception):
    """Raised by a service handler to give up the whole step instead of failing the task.

    The caller rolls its unit of work back and runs the step again later (a transient
    database error inside an activity is not a fault of the process).
    """


class WaitForWorker(Exception):
    """Raised by a service handler for a topic no activity serves: an external worker does the work.

    The task stays STARTED (a wait state) with its evaluated parameters in its internal data
    until the platform completes it (engine.spiff.external).
    """


class ExternalServiceTask(ServiceTask):
    """A service task that calls the platform's handler for its topic with evaluated parameters."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        topic: str | None = None,
        parameters: dict[str, str] | None = None,
        output_parameters: dict[str, str] | None = None,
        result_variable: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic
        self.parameters = dict(parameters or {})
        self.output_parameters = dict(output_parameters or {})
        self.result_variable = result_variable

    def _execute(self, my_task: Any) -> bool | None:
        """Call the handler; on failure record the error and return False (task → ERROR), None: wait."""
        try:
            if self._call(my_task):
                return None  # waits for an external worker (SpiffWorkflow: STARTED)
        except AbortStep:
            raise
        except Exception as exc:
            label = f"{self.bpmn_name!r} ({self.bpmn_id})" if self.bpmn_name else self.bpmn_id
            message = f"Service task {label}, topic {self.topic}: {type(exc).__name__}: {exc}"
            my_task._set_internal_data(error=message)
            return False
        return True

    def _call(self, my_task: Any) -> bool:
        """Evaluate the parameters, call the handler and store its result; True: wait for a worker."""
        engine = my_task.workflow.script_engine
        handler = getattr(engine, "service_handler", None)
        if handler is None:
            raise ServiceTaskError("no service handler is configured")
        if not self.topic:
            raise ServiceTaskError("the service task has no topic")
        timeout = getattr(engine, "timeout", 1.0)
        params = {
            name: json_clean(parameter_value(text, my_task.data, timeout))
            for name, text in self.parameters.items()
        }
        context = TaskContext(
            str(my_task.id), self.bpmn_id, self.bpmn_name, self.topic, json_clean(my_task.data)
        )
        try:
            result = handler(self.topic, params, context)
        except WaitForWorker:
            my_task._set_internal_data(external_params=params)
            return True
        self._store_result(my_task, json_clean(result), timeout)
        return False

    def _store_result(self, my_task: Any, result: Any, timeout: float) -> None:
        """Merge the handler's result into the task data following the result convention."""
        if self.output_parameters:
            scope = {**my_task.data, **(result if isinstance(result, dict) else {}), "result": result}
            for name, text in self.output_parameters.items():
                value = result if not (text or "").strip() else parameter_value(text, scope, timeout)
                my_task.data[name] = json_clean(value)
        elif self.result_variable:
            my_task.data[self.result_variable] = result
        elif isinstance(result, dict):
            my_task.data.update(result)
        elif result is not None:
            raise DataError("the handler returned a non-dict result and no result variable is declared")


class ExternalServiceTaskConverter(BpmnTaskSpecConverter):
    """Serializer converter for ExternalServiceTask."""

    def to_dict(self, spec: ExternalServiceTask) -> dict[str, Any]:
        """Convert the spec to a dict."""
        dct = self.get_default_attributes(spec)
        dct.update(
            topic=spec.topic,
            parameters=spec.parameters,
            output_parameters=spec.output_parameters,
            result_variable=spec.result_variable,
        )
        return dct

    def from_dict(self, dct: dict[str, Any]) -> ExternalServiceTask:
        """Restore the spec from a dict."""
        return self.task_spec_from_dict(dct)
