"""The business rule task (`camunda:decisionRef`): evaluate a DMN decision, store the mapped result.

The decision itself lives in the database, so the task asks the platform through the
service handler with the reserved topic DECISION_TOPIC and the parameters
{ref, binding, version, map, variables}; the handler answers {"value": mapped result}.
`camunda:resultVariable` names where the value goes. A failure (no such decision, a UNIQUE
table with two matches, singleResult with several results) puts the task in ERROR with a
message naming the element: an incident, as Camunda raises one.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser

from engine.spiff.data import json_clean
from engine.spiff.juel import compile_template, has_expression
from engine.spiff.specs import AbortStep, ServiceTaskError, TaskContext

DECISION_TOPIC = "flowdesk.decision"
FIELDS = ("decision_ref", "binding", "version", "result_variable", "map_result")


class DecisionTask(ServiceTask):
    """A bpmn:businessRuleTask with camunda:decisionRef."""

    def __init__(self, wf_spec: Any, bpmn_id: str, decision_ref: str | None = None,
                 binding: str | None = None, version: str | None = None,
                 result_variable: str | None = None, map_result: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision_ref, self.binding, self.version = decision_ref, binding, version
        self.result_variable, self.map_result = result_variable, map_result

    def _execute(self, my_task: Any) -> bool:
        """Evaluate; on failure record the error and return False (task -> ERROR)."""
        try:
            self._call(my_task)
        except AbortStep:
            raise
        except Exception as exc:
            label = f"{self.bpmn_name!r} ({self.bpmn_id})" if self.bpmn_name else self.bpmn_id
            message = f"Business rule task {label}, decision {self.decision_ref}: {exc}"
            my_task._set_internal_data(error=message)
            return False
        return True

    def _call(self, my_task: Any) -> None:
        handler = getattr(my_task.workflow.script_engine, "service_handler", None)
        if handler is None:
            raise ServiceTaskError("no decision handler is configured")
        ref = self.decision_ref or ""
        if has_expression(ref):
            ref = str(compile_template(ref).value(my_task.data))
        data = json_clean(my_task.data)
        params = {"ref": ref, "binding": self.binding, "version": self.version,
                  "map": self.map_result, "variables": data}
        context = TaskContext(str(my_task.id), self.bpmn_id, self.bpmn_name, DECISION_TOPIC, data)
        answer = handler(DECISION_TOPIC, params, context) or {}
        if "value" not in answer:
            raise ServiceTaskError("the platform did not evaluate the decision")
        if self.result_variable:
            my_task.data[self.result_variable] = json_clean(answer["value"])


class DecisionTaskParser(CamundaTaskParser):
    """Read the camunda:decisionRef attributes of a business rule task."""

    @staticmethod
    def get_decision_ref(node: Any) -> str:
        """The decision id (SpiffWorkflow's parser lists it among the file's dependencies)."""
        return node.get("{http://camunda.org/schema/1.0/bpmn}decisionRef") or ""

    def create_task(self) -> DecisionTask:
        """Create the spec with the decision reference and the result mapping."""
        return self.spec_class(
            self.spec, self.bpmn_id,
            decision_ref=self.attribute("decisionRef", "camunda"),
            binding=self.attribute("decisionRefBinding", "camunda"),
            version=self.attribute("decisionRefVersion", "camunda"),
            result_variable=self.attribute("resultVariable", "camunda"),
            map_result=self.attribute("mapDecisionResult", "camunda"),
            **self.bpmn_attributes,
        )


class DecisionTaskConverter(BpmnTaskSpecConverter):
    """Serializer converter for DecisionTask."""

    def to_dict(self, spec: DecisionTask) -> dict[str, Any]:
        """Convert the spec to a dict."""
        dct = self.get_default_attributes(spec)
        dct.update({name: getattr(spec, name) for name in FIELDS})
        return dct

    def from_dict(self, dct: dict[str, Any]) -> DecisionTask:
        """Restore the spec from a dict."""
        return self.task_spec_from_dict(dct)
