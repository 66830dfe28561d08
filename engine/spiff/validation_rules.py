"""Per-element upload checks (service tasks, user tasks, scripts, conditions, events, calls)."""

from __future__ import annotations

from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.camunda_compat import java_problem
from engine.spiff.condition_language import condition_language
from engine.spiff.expressions import check_expression, check_parameter, check_python, is_expression
from engine.spiff.forms import FieldDef, check_form
from engine.spiff.parser import unquote
from engine.spiff.topics import as_topic_spec
from engine.spiff.validation_hooks import check_script

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PYTHON_FORMATS = {"", "python", "python3", "py"}
ASSIGNMENT = ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority")

FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "serviceTask",
    "businessRuleTask",
    "scriptTask",
    "receiveTask",
    "sendTask",
    "task",
    "manualTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
}
IGNORED = {
    "laneSet",
    "textAnnotation",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",  # documentation, as in Camunda 7: a warning (engine.camunda_compat.DATA)
    "documentation",
    "extensionElements",
    "property",
    "ioSpecification",
    "category",
    # Children of an activity drawn by Camunda Modeler (a subprocess lists them among its
    # flow elements): the flows and loop markers are checked where they belong.
    "incoming",
    "outgoing",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
}
UNSUPPORTED = {
    "complexGateway": "complex gateways are not supported: use exclusive, inclusive or parallel gateways",
    "transaction": "transactions (and compensation) are not supported",
    "adHocSubProcess": "ad-hoc subprocesses are not supported",
}
EVENT_KINDS = {
    "messageEventDefinition": "message",
    "timerEventDefinition": "timer",
    "errorEventDefinition": "error",
    "escalationEventDefinition": "escalation",
    "signalEventDefinition": "signal",
    "conditionalEventDefinition": "conditional",
    "compensateEventDefinition": "compensation",
    "linkEventDefinition": "link",
    "cancelEventDefinition": "cancel",
    "terminateEventDefinition": "terminate",
}
ALLOWED_EVENTS = {
    ("startEvent", "process"): {"none", "message", "signal", "timer"},
    ("startEvent", "subProcess"): {"none"},
    ("startEvent", "eventSubProcess"): {"message", "timer", "error", "escalation", "signal"},
    ("endEvent", None): {"none", "terminate", "error", "escalation", "signal", "message"},
    ("intermediateCatchEvent", None): {"message", "timer", "signal", "link"},
    ("intermediateThrowEvent", None): {"none", "signal", "escalation", "link", "message"},
    ("boundaryEvent", None): {"message", "timer", "error", "escalation", "signal"},
}
ACTIVITIES = {"userTask", "serviceTask", "businessRuleTask", "scriptTask", "receiveTask", "sendTask", "task",
              "manualTask", "callActivity", "subProcess"}
# "Start" and "End" are SpiffWorkflow's own task spec names too; the parser renames such
# elements internally (engine.spiff.parser.rename_reserved), so only these stay reserved.
RESERVED_IDS = {"Root", "StartEventSplit", "StartEventJoin"}
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")


def is_reserved_id(element_id: str) -> bool:
    """Ids SpiffWorkflow uses for its own internal task specs."""
    return element_id in RESERVED_IDS or element_id.endswith(RESERVED_SUFFIXES)


class Reporter(Protocol):
    """What the rules need from the validator."""

    topics: dict[str, Any]
    messages: dict[str, str | None]

    def error(self, element_id: str | None, message: str) -> None:
        """Record a problem."""


def b(tag: str) -> str:
    """A BPMN tag name."""
    return f"{{{BPMN}}}{tag}"


def c(tag: str) -> str:
    """A Camunda tag or attribute name."""
    return f"{{{CAMUNDA}}}{tag}"


def local(el: Any) -> str | None:
    """Local name of a BPMN element, None for other namespaces and comments."""
    if not isinstance(el.tag, str):
        return None
    qname = etree.QName(el)
    return qname.localname if qname.namespace == BPMN else None


def check_text(report: Reporter, element_id: str, what: str, text: str | None) -> None:
    """Report a parameter-style value (`${}` or literal) that would fail at run time."""
    problem = check_parameter(text)
    if problem:
        report.error(element_id, f"{what}: {problem}")


def camunda_properties(el: Any) -> dict[str, str]:
    """The `camunda:properties` of an element (name -> value)."""
    nodes = el.findall(f"{b('extensionElements')}/{c('properties')}/{c('property')}")
    return {node.get("name"): node.get("value") for node in nodes}


def _io_parameters(el: Any, tag: str) -> list[Any]:
    """`camunda:inputOutput` parameters of an element."""
    return el.findall(f"{b('extensionElements')}/{c('inputOutput')}/{c(tag)}")


def check_service_task(report: Reporter, el: Any) -> str | None:
    """External task: a known topic with valid parameters, or a worker's topic; return the topic."""
    element_id = el.get("id")
    kind, topic = el.get(c("type")), (el.get(c("topic")) or "").strip()
    java = java_problem(el)
    if java:
        report.error(element_id, java)
        return None
    if kind != "external":
        report.error(
            element_id, 'only external service tasks are supported: set camunda:type="external" and a topic'
        )
    if not topic:
        report.error(element_id, "the service task has no topic (camunda:topic)")
        return None
    if topic not in report.topics:
        if topic.partition(".")[0] in {name.partition(".")[0] for name in report.topics if "." in name}:
            # a Flowdesk activity namespace (crm., mail.): a typo, never a worker's topic
            known = ", ".join(sorted(report.topics)) or "none"
            report.error(element_id, f"unknown topic {topic!r} (known topics: {known})")
        return topic  # no activity serves it: it waits for an external worker (/engine-rest)
    _check_parameters(report, el, as_topic_spec(topic, report.topics[topic]))
    return topic


def _check_parameters(report: Reporter, el: Any, spec: Any) -> None:
    """Input parameters: known names, no duplicates, text values, required ones present."""
    element_id, seen = el.get("id"), set()
    for param in _io_parameters(el, "inputParameter"):
        name = param.get("name")
        if name in seen:
            report.error(element_id, f"parameter {name!r} is given twice")
        seen.add(name)
        if name not in spec.params:
            report.error(
                element_id, f"topic {spec.name} has no parameter {name!r} (allowed: {', '.join(spec.params)})"
            )
        if len(param):
            report.error(
                element_id, f"parameter {name!r}: only text values are supported (no map, list or script)"
            )
        check_text(report, element_id, f"parameter {name!r}", param.text)
    for name in sorted(spec.required - seen):
        report.error(element_id, f"topic {spec.name} needs the parameter {name!r}")
    for param in _io_parameters(el, "outputParameter"):
        if not (param.get("name") or "").isidentifier():
            report.error(element_id, f"output parameter {param.get('name')!r} needs a variable name")
        check_text(report, element_id, f"output parameter {param.get('name')!r}", param.text)


def _field_from_xml(node: Any) -> FieldDef:
    """A FieldDef from a `camunda:formField` element."""
    constraints = [
        (v.get("name"), v.get("config")) for v in node.findall(f"{c('validation')}/{c('constraint')}")
    ]
    options = [(v.get("id"), v.get("name")) for v in node.findall(c("value"))]
    properties = {p.get("id"): p.get("value") for p in node.findall(f"{c('properties')}/{c('property')}")}
    return FieldDef(
        node.get("id"),
        node.get("type"),
        node.get("label"),
        node.get("defaultValue"),
        constraints,
        options,
        properties,
    )


def check_user_task(report: Reporter, el: Any) -> None:
    """Form definition and assignment expressions of a user task."""
    element_id = el.get("id")
    fields = [
        _field_from_xml(n) for n in el.findall(f"{b('extensionElements')}/{c('formData')}/{c('formField')}")
    ]
    for problem in check_form(fields):
        report.error(element_id, problem)
    for attribute in ASSIGNMENT:
        text = el.get(c(attribute))
        if text is None:
            continue
        items = [text] if is_expression(text) or not attribute.startswith("candidate") else text.split(",")
        for item in items:
            check_text(report, element_id, f"camunda:{attribute}", item)
        if attribute == "priority" and not is_expression(text) and not text.strip().lstrip("-").isdigit():
            report.error(element_id, f"camunda:priority {text!r} is not a whole number")


def check_script_task(report: Reporter, el: Any) -> None:
    """Inline Python or JavaScript that compiles; other formats are refused naming the format."""
    element_id, script = el.get("id"), el.find(b("script"))
    source = script.text if script is not None else None
    if not (source or "").strip():
        report.error(element_id, "the script task has no script")
        source = "pass"
    problem = check_script(source, el.get("scriptFormat"), el.get(c("resource")))
    if problem:
        report.error(element_id, problem if "supported" in problem else f"script: {problem}")


def check_condition(report: Reporter, flow: Any, source_kind: str | None) -> bool:
    """A flow's condition compiles and sits on a gateway; return whether it has one."""
    condition = flow.find(b("conditionExpression"))
    if condition is None:
        return False
    flow_id = flow.get("id")
    language = condition_language(condition)
    if language not in ("juel", "python") or condition.get(c("resource")):
        report.error(
            flow_id,
            f"condition language {condition.get('language')!r} is not supported: "
            'conditions are JUEL (or Python with language="python")',
        )
    if source_kind not in ("exclusiveGateway", "inclusiveGateway"):
        report.error(
            flow_id, "conditions are only evaluated on flows leaving exclusive or inclusive gateways"
        )
    problem = (check_python if language == "python" else check_expression)(condition.text)
    if problem:
        report.error(flow_id, f"condition: {problem}")
    return True


def check_timer_literal(kind: str, text: str) -> str | None:
    """Parse a literal timer the way the engine will; return a problem or None."""
    text = unquote(text)
    try:
        if kind == "timeDate":
            TimerEventDefinition.get_datetime(text)
        elif kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(text)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(text)
    except Exception:
        expected = {"timeDate": "an ISO 8601 date-time", "timeDuration": "an ISO 8601 duration such as PT5M"}
        return f"{text!r} is not {expected.get(kind, 'an ISO 8601 repeating interval such as R3/PT10M')}"
    return None


def check_timer(report: Reporter, element_id: str, definition: Any) -> None:
    """Exactly one of timeDate/timeDuration/timeCycle, a valid literal or a compiling `${}`."""
    parts = [child for child in definition if local(child) in ("timeDate", "timeDuration", "timeCycle")]
    if len(parts) != 1:
        report.error(element_id, "a timer needs exactly one of timeDate, timeDuration or timeCycle")
        return
    kind, text = local(parts[0]), (parts[0].text or "").strip()
    if not text:
        report.error(element_id, f"the timer's {kind} is empty")
    elif is_expression(text) or "${" in text:
        check_text(report, element_id, f"timer {kind}", text)
    else:
        problem = check_timer_literal(kind, text)
        if problem:
            report.error(element_id, f"timer {kind}: {problem}")


def check_message(report: Reporter, element_id: str, definition: Any) -> str | None:
    """A message event refers to a named bpmn:message; return the message name."""
    ref = definition.get("messageRef")
    if not ref or ref not in report.messages:
        report.error(element_id, f"the message event refers to no known message ({ref!r})")
        return None
    name = report.messages[ref]
    if not name:
        report.error(element_id, f"the message {ref!r} has no name")
    return name


def check_message_throw(report: Reporter, el: Any, definition: Any) -> None:
    """A message throw (event or send task) has no implementation of its own: the platform
    delivers it. Camunda would run a Java class or an external task; neither can run here."""
    element_id = el.get("id")
    for node in (el, definition):
        java = java_problem(node)
        if java:
            report.error(element_id, java)
            return
        if node.get(c("type")) or node.get(c("topic")):
            report.error(element_id, "an external task on a message throw or send task is not supported: "
                                     "use a service task with that topic, or leave the implementation out "
                                     "and Flowdesk delivers the message")
            return
