"""FlowdeskParser: SpiffWorkflow's Camunda parser plus what the platform needs.

* `serviceTask camunda:type="external" camunda:topic=...` becomes an ExternalServiceTask with
  its `camunda:inputParameter`s (name -> raw text), `camunda:outputParameter`s and
  `camunda:resultVariable` (see engine.spiff.specs for the result convention).
* User tasks keep their form (`task_spec.form`) and get `spec.extensions`:
  `assignee`, `candidate_users`, `candidate_groups`, `due_date`, `follow_up_date`,
  `priority` (raw text, `${...}` evaluated at run time), `lane` and `properties`
  (the `camunda:properties`).
* Timers: literal text (`PT5M`, `2030-01-01T09:00:00Z`, `R3/PT10M`) is rewritten at parse
  time to a quoted Python string; text with `${...}` / `#{...}` stays JUEL.
* Conditions with `language="python"` lose their `${}` wrapper (engine.spiff.condition_language).
* Catch events keep their `camunda:properties` in `spec.extensions["properties"]`; the
  property `condition` on a message catch event is the delivery condition.
SpiffWorkflow's own class tables are copied, never mutated.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    TIMER_EVENT_XPATH,
    ReceiveTaskParser,
    SendTaskParser,
)
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    NoneTask,
    ReceiveTask,
    SendTask,
    StartEvent,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.spiff import hooked
from engine.spiff.calls import ChildCallActivity, ChildCallActivityParser
from engine.spiff.condition_language import unwrap_python_conditions
from engine.spiff.decision_task import DecisionTask, DecisionTaskParser
from engine.spiff.event_definitions import error_extensions, flowdesk_error, thrown_message
from engine.spiff.expressions import has_expression
from engine.spiff.loops import with_standard_loops
from engine.spiff.multi_instance import with_multi_instance
from engine.spiff.specs import ExternalServiceTask
from engine.spiff.xmlsafe import parse_xml

LOOPABLE = ("userTask", "serviceTask", "businessRuleTask", "scriptTask", "task", "manualTask", "subProcess",
            "callActivity")
# SpiffWorkflow names its own start and end task specs "Start" and "End": elements with these
# ids get another spec name (their bpmn_id stays, so everything reports the diagram's id).
SPIFF_NAMES = ("Start", "End")
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "default")
NOT_TASKS = {full_tag(tag) for tag in ("sequenceFlow", "laneSet", "textAnnotation", "association", "group",
                                       "dataObject", "dataObjectReference", "dataStoreReference",
                                       "ioSpecification", "extensionElements", "documentation",
                                       "incoming", "outgoing", "property", "category")}
DATA_ELEMENTS = [full_tag(tag) for tag in ("dataObject", "dataObjectReference", "dataStoreReference",
                                            "dataStore", "dataInputAssociation", "dataOutputAssociation")]
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA_NS = "{http://camunda.org/schema/1.0/bpmn}"
NEVER = "9999-12-31T00:00:00+00:00"
START_DEFINITIONS = [MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH, CONDITIONAL_EVENT_XPATH,
                     ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH]
END_DEFINITIONS = [MESSAGE_EVENT_XPATH, CANCEL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
                   TERMINATION_EVENT_XPATH, SIGNAL_EVENT_XPATH]
ASSIGNMENT_ATTRIBUTES = {
    "assignee": "assignee",
    "candidateUsers": "candidate_users",
    "candidateGroups": "candidate_groups",
    "dueDate": "due_date",
    "followUpDate": "follow_up_date",
    "priority": "priority",
}


def camunda_properties(parser: Any) -> dict[str, str]:
    """Read `camunda:properties/camunda:property` of the parser's node."""
    nodes = parser.xpath("./bpmn:extensionElements/camunda:properties/camunda:property")
    return {node.get("name"): node.get("value") for node in nodes}


def unquote(text: str) -> str:
    """A timer literal without the quotes SpiffWorkflow's own diagrams put around it ("PT1S")."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def timer_expression(text: str | None) -> str:
    """Rewrite timer text for the script engine: JUEL stays, a literal becomes a quoted string."""
    stripped = (text or "").strip()
    if has_expression(stripped):
        return stripped
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        return stripped
    return repr(stripped)


class ExternalServiceTaskParser(CamundaTaskParser):
    """Parse a Camunda external service task into an ExternalServiceTask."""

    def _io(self, tag: str) -> dict[str, str]:
        """Read the `camunda:inputOutput` parameters with the given tag (name -> text)."""
        nodes = self.xpath(f"./bpmn:extensionElements/camunda:inputOutput/camunda:{tag}")
        return {node.get("name"): (node.text or "") for node in nodes}

    def create_task(self) -> ExternalServiceTask:
        """Create the spec with topic, parameters and result declarations."""
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            topic=self.attribute("topic", "camunda"),
            parameters=self._io("inputParameter"),
            output_parameters=self._io("outputParameter"),
            result_variable=self.attribute("resultVariable", "camunda"),
            **self.bpmn_attributes,
        )

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """Keep the camunda properties and the implementation type."""
        return {"properties": camunda_properties(self), "type": self.attribute("type", "camunda")}


class FlowdeskUserTaskParser(UserTaskParser):
    """Camunda user task parser that also keeps assignment attributes and the lane."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """Return assignment attributes, lane and camunda properties for `spec.extensions`."""
        extensions: dict[str, Any] = {"properties": camunda_properties(self), "lane": self.lane}
        for attribute, key in ASSIGNMENT_ATTRIBUTES.items():
            value = self.attribute(attribute, "camunda")
            if value is not None:
                extensions[key] = value
        from engine.form_schema import task_form_ref

        form = task_form_ref(self.node)  # a Camunda Form (form-js), shown by the inbox
        if form is not None:
            extensions["camunda_form"] = form
        return extensions


class _ErrorEventMixin:
    """Error definitions that carry code and message to camunda:errorCodeVariable/errorMessageVariable."""

    def parse_error_event(self, error_event: Any) -> Any:
        """Parse as SpiffWorkflow does, as our definition class."""
        return flowdesk_error(super().parse_error_event(error_event))  # type: ignore[misc]

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """Add the error attributes to the other extensions."""
        return {**super().parse_extensions(node), **error_extensions(self)}  # type: ignore[misc]


class _CatchEventMixin(_ErrorEventMixin):
    """Timer rewrite and camunda properties for catching events."""

    def parse_timer_event(self, event: Any) -> Any:
        """Parse the timer, then make its expression valid Python."""
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        definition.expression = timer_expression(definition.expression)
        return definition

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """Keep camunda properties (e.g. a message `condition`) and error variables."""
        return {"properties": camunda_properties(self), **error_extensions(self)}


class FlowdeskStartEventParser(_CatchEventMixin, CamundaStartEventParser):
    """Start events; `interrupting` matters for event subprocesses.

    A process's own timer start events are scheduled by the platform (engine.timer_starts,
    from `extensions["timer_start"]`), so their timer inside a workflow never falls due.
    """

    def create_task(self) -> Any:
        """SpiffWorkflow's start parser skips error and escalation definitions (an event
        subprocess on them would start at once): read those too."""
        definition = self.get_event_definition(START_DEFINITIONS)
        task = self._create_task(definition)
        self.spec.start.connect(task)
        return task

    def _timer_start(self) -> dict[str, str] | None:
        parts = self.xpath("./bpmn:timerEventDefinition/*")
        if not parts or self.node.getparent().tag != full_tag("process"):
            return None
        return {"kind": parts[0].tag.rpartition("}")[2], "text": unquote(parts[0].text or "")}

    def parse_timer_event(self, event: Any) -> Any:
        """Event subprocess timers as usual; process timer starts: a date that never comes."""
        if self._timer_start() is None:
            return super().parse_timer_event(event)
        return TimeDateEventDefinition(self.node.get("id"), repr(NEVER))

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """Keep camunda properties, isInterrupting (true unless "false") and a timer start."""
        interrupting = (self.node.get("isInterrupting") or "true").lower() != "false"
        extensions = {**super().parse_extensions(node), "interrupting": interrupting}
        timer_start = self._timer_start()
        if timer_start is not None:
            extensions["timer_start"] = timer_start
        return extensions


class FlowdeskIntermediateCatchEventParser(_CatchEventMixin, CamundaIntermediateCatchEventParser):
    """Intermediate catch events."""


class FlowdeskBoundaryEventParser(_CatchEventMixin, CamundaBoundaryEventParser):
    """Boundary events."""


class FlowdeskProcessParser(ProcessParser):
    """Elements with listeners, input/output mappings or error variables get hooked specs."""

    def parse_node(self, node: Any) -> Any:
        """Parse a flow node (see engine.spiff.hooked)."""
        return hooked.parse_node(self, node)


class _MessageThrowMixin:
    """Message throws are delivered by the platform, never caught by the thrower itself."""

    def parse_message_event(self, message_event: Any) -> Any:
        """Parse as SpiffWorkflow does, as a thrown message."""
        return thrown_message(super().parse_message_event(message_event))  # type: ignore[misc]


class FlowdeskThrowEventParser(_MessageThrowMixin, CamundaIntermediateThrowEventParser):
    """Intermediate throw events (message throws: see _MessageThrowMixin)."""


class FlowdeskSendTaskParser(_MessageThrowMixin, CamundaEventDefinitionParser, SendTaskParser):
    """Send tasks throw the Camunda-dialect message of their messageRef."""


class FlowdeskEndEventParser(_MessageThrowMixin, _ErrorEventMixin, CamundaEndEventParser):
    """End events: error ends carry their error's camunda:errorMessage; signal ends throw
    (SpiffWorkflow's end parser skips signal definitions: they would end silently)."""

    def create_task(self) -> Any:
        """Read the end event's definition, signals included."""
        task = self._create_task(self.get_event_definition(END_DEFINITIONS))
        task.connect(self.spec.end)
        return task


class FlowdeskReceiveTaskParser(_CatchEventMixin, CamundaEventDefinitionParser, ReceiveTaskParser):
    """Receive tasks wait for a Camunda-dialect message (as intermediate catch events do)."""

    def create_task(self) -> Any:
        """Build the spec with the Camunda message definition."""
        return ReceiveTaskParser.create_task(self)


class FlowdeskParser(CamundaParser):
    """The Camunda 7 dialect as Flowdesk runs it."""

    PROCESS_PARSER_CLASS = FlowdeskProcessParser

    OVERRIDE_PARSER_CLASSES = with_standard_loops(with_multi_instance({
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ExternalServiceTaskParser, ExternalServiceTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask),
        full_tag("userTask"): (FlowdeskUserTaskParser, UserTask),
        full_tag("startEvent"): (FlowdeskStartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (FlowdeskIntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (FlowdeskBoundaryEventParser, BoundaryEvent),
        full_tag("callActivity"): (ChildCallActivityParser, ChildCallActivity),
        full_tag("receiveTask"): (FlowdeskReceiveTaskParser, ReceiveTask),
        full_tag("endEvent"): (FlowdeskEndEventParser, EndEvent),
        full_tag("intermediateThrowEvent"): (FlowdeskThrowEventParser, IntermediateThrowEvent),
        full_tag("sendTask"): (FlowdeskSendTaskParser, SendTask),
        # A manual task is an inbox to-do, as bpmn:task is here (Camunda passes both through;
        # the upload answers a warning saying so).
        full_tag("manualTask"): (CamundaTaskParser, NoneTask),
    }, {full_tag(tag) for tag in LOOPABLE}), {full_tag(tag) for tag in LOOPABLE})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.renamed: dict[str, str] = {}

    def add_bpmn_bytes(self, xml: bytes | str, filename: str | None = None) -> None:
        """Parse an uploaded document safely and add it."""
        root = parse_xml(xml)
        unwrap_python_conditions(root)
        self.add_bpmn_xml(root, filename)

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        """Add a parsed document, its link events rewritten to flows first."""
        from engine.spiff.links import rewrite_links

        rewrite_links(bpmn)
        drop_vendor_ids(bpmn)
        drop_data_elements(bpmn)
        self.renamed.update(rename_reserved(bpmn))
        super().add_bpmn_xml(bpmn, filename)

    def get_spec(self, process_id: str, *args: Any, **kwargs: Any) -> Any:
        """The process spec, renamed elements reporting their own ids again."""
        return self._restore_ids(super().get_spec(process_id, *args, **kwargs))

    def get_subprocess_specs(self, name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The called and embedded specs, renamed elements reporting their own ids again."""
        specs = super().get_subprocess_specs(name, *args, **kwargs)
        return {key: self._restore_ids(spec) for key, spec in specs.items()}

    def _restore_ids(self, spec: Any) -> Any:
        if spec is None or not self.renamed:
            return spec
        for task_spec in spec.task_specs.values():
            original = self.renamed.get(getattr(task_spec, "bpmn_id", None) or "")
            if original is not None:
                task_spec.bpmn_id = original
        return spec


def drop_data_elements(root: Any) -> None:
    """Data objects, data stores and data associations are documentation in Camunda 7 (its data
    are process variables): SpiffWorkflow would move variables into data objects, so they go."""
    for el in list(root.iter(*DATA_ELEMENTS)):
        el.getparent().remove(el)


def drop_vendor_ids(root: Any) -> None:
    """Vendor extension elements may reuse a BPMN element's id (SpiffWorkflow looks nodes up by
    id anywhere in the document): only BPMN and Camunda elements keep theirs."""
    for extensions in root.iter(full_tag("extensionElements")):
        for el in extensions.iter():
            if (isinstance(el.tag, str) and el.get("id") is not None
                    and not el.tag.startswith((BPMN_NS, CAMUNDA_NS))):
                del el.attrib["id"]


def rename_reserved(root: Any) -> dict[str, str]:
    """Give elements with SpiffWorkflow's reserved ids another id (and fix references to them)."""
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    renamed: dict[str, str] = {}
    for el in root.iter():
        if el.get("id") not in SPIFF_NAMES or not _is_flow_node(el):
            continue
        new = f"{el.get('id')}__element"
        while new in ids:
            new += "_"
        ids.add(new)
        renamed[el.get("id")] = new
        el.set("id", new)
    if renamed:
        _rewrite_references(root, renamed)
    return {new: old for old, new in renamed.items()}


def _is_flow_node(el: Any) -> bool:
    """An element that becomes a task spec: a BPMN child of a process or subprocess, not a flow."""
    parent = el.getparent()
    if not isinstance(el.tag, str) or not el.tag.startswith(BPMN_NS) or parent is None:
        return False
    containers = {full_tag(tag) for tag in ("process", "subProcess", "transaction", "adHocSubProcess")}
    return parent.tag in containers and el.tag not in NOT_TASKS


def _rewrite_references(root: Any, renamed: dict[str, str]) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attribute in REFERENCES:
            if el.get(attribute) in renamed:
                el.set(attribute, renamed[el.get(attribute)])
        if el.tag in (full_tag("incoming"), full_tag("outgoing")) and (el.text or "").strip() in renamed:
            el.text = renamed[el.text.strip()]
