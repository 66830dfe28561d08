"""Camunda 7's error variables on SpiffWorkflow's error events.

An error boundary or error start event with `camunda:errorCodeVariable` and/or
`camunda:errorMessageVariable` stores the caught error's code (the bpmn:error's errorCode)
and message (its `camunda:errorMessage`) in those variables. The variable names live in the
catching spec's extensions and the message in the throwing spec's, both serialized already.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

CAUGHT_KEY = "flowdesk_error"


class FlowdeskErrorEventDefinition(ErrorEventDefinition):
    """An error event that carries its code and message to the catcher's variables."""

    def throw(self, my_task: Any) -> None:
        """Throw with the thrower's data, code and message."""
        event = BpmnEvent(self, payload=deepcopy(my_task.data), target=my_task.workflow)
        event.error_message = (my_task.task_spec.extensions or {}).get("error_message")
        my_task.workflow.top_workflow.catch(event)

    def catch(self, my_task: Any, event: Any = None) -> None:
        """Remember the caught code and message for update_task_data."""
        definition = getattr(event, "event_definition", None)
        my_task.internal_data[CAUGHT_KEY] = {
            "code": getattr(definition, "code", None), "message": getattr(event, "error_message", None)}
        super().catch(my_task, event)

    def update_task_data(self, my_task: Any) -> None:
        """Set the thrower's data, then camunda:errorCodeVariable / errorMessageVariable."""
        super().update_task_data(my_task)
        caught = my_task.internal_data.get(CAUGHT_KEY) or {}
        extensions = my_task.task_spec.extensions or {}
        if extensions.get("error_code_variable"):
            my_task.data[extensions["error_code_variable"]] = caught.get("code")
        if extensions.get("error_message_variable"):
            my_task.data[extensions["error_message_variable"]] = caught.get("message")


def error_extensions(parser: Any) -> dict[str, str]:
    """The camunda error attributes of an event's errorEventDefinition (and its bpmn:error)."""
    found: dict[str, str] = {}
    for definition in parser.xpath("./bpmn:errorEventDefinition"):
        for attribute, key in (("errorCodeVariable", "error_code_variable"),
                               ("errorMessageVariable", "error_message_variable")):
            value = parser.attribute(attribute, "camunda", definition)
            if value:
                found[key] = value
        ref = definition.get("errorRef")
        errors = parser.doc_xpath(f'.//bpmn:error[@id="{ref}"]') if ref else []
        message = parser.attribute("errorMessage", "camunda", errors[0]) if errors else None
        if message:
            found["error_message"] = message
    return found


def flowdesk_error(definition: ErrorEventDefinition) -> FlowdeskErrorEventDefinition:
    """The same error definition as our class."""
    return FlowdeskErrorEventDefinition(definition.name, definition.code, description=definition.description)


class ThrownMessageEventDefinition(MessageEventDefinition):
    """A message thrown by a throw event or send task with no implementation of its own.

    Its class differs from the catching definitions', so the thrower never catches its own
    message (Camunda 7 correlates it to another execution): it always leaves the workflow
    (`get_events`) and the platform delivers it (engine.message_throws), with no variables.
    """

    def throw(self, my_task: Any) -> None:
        """Hand the message to the platform (SpiffWorkflow's Camunda class needs an expression)."""
        event = BpmnEvent(self, payload={"payload": {}, "result_var": self.result_var})
        my_task.workflow.top_workflow.catch(event)


def thrown_message(definition: Any) -> Any:
    """The same message definition as a thrown one (other definitions unchanged)."""
    if not isinstance(definition, MessageEventDefinition):
        return definition
    return ThrownMessageEventDefinition(definition.name, definition.correlation_properties,
                                        definition.expression, definition.result_var)
