"""Upload validation: collect every problem of a BPMN document, with element ids.

Supported (everything else is refused with the element id and a reason):
* processes: every process not marked isExecutable="false" (Camunda's rule); the first one no
  call activity of the file calls answers the upload, the others are deployed beside it;
* events: start none/message/signal/timer (date, duration, ISO cycle, Camunda cron; event
  subprocess: message/timer/error/escalation/signal), end none/terminate/error/escalation/
  signal/message, intermediate catch message/timer/signal/link, intermediate throw none/
  signal/escalation/link/message, boundary message/timer/error/escalation/signal;
* activities: userTask (camunda:formData forms), serviceTask (external, known topic),
  scriptTask (Python, JavaScript), receiveTask and sendTask (a message), task and manualTask
  (inbox to-dos), callActivity, subProcess (embedded and event subprocesses), loops and
  multi-instance;
* gateways: exclusive, inclusive, parallel, event-based.
Refused: complex gateways, business-rule tasks, Java classes (named), transactions, ad-hoc
subprocesses, compensation, conditional and cancel events, events with several event
definitions (BPMN's "multiple"), message throws with
an implementation (Java or external), expressions in timer start events, link throws without
their catch, DOCTYPE/entities, and paths longer than MAX_PATH steps. Camunda attributes the engine
accepts without honouring, and data objects and stores (documentation, as in Camunda), come back
as warnings (engine.camunda_compat).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.camunda_compat import diagram_warnings, java_problem, refused_extensions
from engine.spiff import validation_calls
from engine.spiff import validation_rules as rules
from engine.spiff.event_rules import REFUSAL_HINTS, check_timer_start
from engine.spiff.expressions import check_expression
from engine.spiff.links import check_links
from engine.spiff.parser import FlowdeskParser
from engine.spiff.paths import longest_path
from engine.spiff.serializer import serialize_spec
from engine.spiff.topics import TopicSpec
from engine.spiff.validation_decisions import check_business_rule_task
from engine.spiff.validation_hooks import check_hooks, check_listeners, check_process_listeners
from engine.spiff.validation_result import MessageStart, ValidationResult
from engine.spiff.validation_rules import (
    ACTIVITIES,
    ALLOWED_EVENTS,
    EVENT_KINDS,
    FLOW_NODES,
    IGNORED,
    UNSUPPORTED,
    b,
    local,
)
from engine.spiff.xmlsafe import UnsafeXMLError, parse_xml

MAX_PATH = 200
THROWS = ("intermediateThrowEvent", "endEvent")  # a message thrown here is delivered by the platform
PATH_REASON = (
    "the engine slows down faster than linearly with path length (about 51 ms to reach the "
    "first user task after 100 steps, 4.5 s after 1,000), its parser fails past about 480 "
    "sequential elements and tasks deeper than 1,000 in the task tree are never run; split "
    "the work into call activities"
)


def validate_bpmn(
    xml_bytes: bytes | str,
    known_topics: dict[str, set[str] | TopicSpec],
    available_processes: set[str] | None = None,
) -> ValidationResult:
    """Check a BPMN upload and collect every problem (`errors`: [{"element", "message"}])."""
    result = ValidationResult()
    root = _parse(xml_bytes, result)
    if root is None:
        return result
    validator = _Validator(root, known_topics, set(available_processes or ()), result)
    validator.run()
    result.errors.extend(refused_extensions(root))
    result.warnings = diagram_warnings(root)
    if result.ok:
        _load(root, result)
    return result


def schema_errors(xml_bytes: bytes | str) -> list[str]:
    """Problems against the BPMN 2.0 XML schema (optional, stricter than `validate_bpmn`)."""
    try:
        BpmnValidator().validate(parse_xml(xml_bytes))
    except (ValidationException, UnsafeXMLError, etree.XMLSyntaxError) as exc:
        line = getattr(exc, "line_number", None)
        return [f"line {line}: {exc.args[0]}" if line else str(exc.args[0])]
    return []


def _parse(xml_bytes: bytes | str, result: ValidationResult) -> Any:
    """Parse safely; record syntax or safety errors (with lines) and return None on failure."""
    try:
        root = parse_xml(xml_bytes)
    except UnsafeXMLError as exc:
        result.errors.append({"element": None, "message": str(exc)})
        return None
    except etree.XMLSyntaxError as exc:
        message = f"malformed XML at line {exc.lineno}: {exc.msg}"
        result.errors.append({"element": None, "message": message})
        return None
    if root.tag != b("definitions"):
        result.errors.append(
            {"element": None, "message": "the document is not BPMN 2.0 (no bpmn:definitions root)"}
        )
        return None
    return root


def is_executable(process: Any) -> bool:
    """Camunda runs a process unless it is marked isExecutable="false"."""
    return (process.get("isExecutable") or "true").strip().lower() != "false"


def _load(root: Any, result: ValidationResult) -> None:
    """Build the specs with SpiffWorkflow (catching what it alone refuses); serialize the main one."""
    try:
        parser = FlowdeskParser()
        parser.add_bpmn_xml(root)
        for process_id in result.other_processes:
            parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
        spec = parser.get_spec(result.process_id)
        subprocess_specs = parser.get_subprocess_specs(result.process_id, require_call_activity_specs=False)
        if all(sub is not None for sub in subprocess_specs.values()):
            result.spec_blob = serialize_spec(spec, subprocess_specs)
    except ValidationException as exc:
        element = getattr(exc, "id", None) or None
        result.errors.append(
            {"element": element, "message": f"the engine refused the diagram: {exc.args[0]}"}
        )
    except RecursionError:
        result.errors.append(
            {"element": result.process_id, "message": f"the process is too deep: {PATH_REASON}"}
        )
    except Exception as exc:
        result.errors.append({"element": None, "message": f"the engine could not load the diagram: {exc!r}"})


class _Validator:
    """Walks the document once and reports into the result."""

    def __init__(
        self, root: Any, topics: dict[str, Any], available: set[str], result: ValidationResult
    ) -> None:
        self.root, self.topics, self.result = root, topics, result
        self.messages = {m.get("id"): m.get("name") for m in root.findall(b("message"))}
        self.processes = {p.get("id"): p for p in root.findall(b("process"))}
        self.known_processes = set(self.processes) | available
        self.main_id: str | None = None

    def error(self, element_id: str | None, message: str) -> None:
        """Record a problem."""
        self.result.errors.append({"element": element_id, "message": message})

    def run(self) -> None:
        """Check ids, choose the main process, then check every process that can run."""
        self._check_ids()
        main = self._main_process()
        if main is None:
            return
        self.main_id = main.get("id")
        self.result.process_id, self.result.name = self.main_id, main.get("name") or self.main_id
        called = {el.get("calledElement") for el in self.root.iter(b("callActivity"))}
        for process_id, process in self.processes.items():
            if is_executable(process) or process_id in called:
                self._container(process, "process")
                check_process_listeners(self, process)
                if process is not main and is_executable(process):
                    self.result.other_processes.append(process_id)

    def _check_ids(self) -> None:
        """Element ids must be unique across the document."""
        counts = Counter(
            el.get("id")
            for el in self.root.iter()
            # BPMN's own elements: vendor extensions may carry ids of their own (Signavio does)
            if isinstance(el.tag, str) and el.get("id") and el.tag.startswith(f"{{{rules.BPMN}}}")
        )
        for element_id, count in counts.items():
            if count > 1:
                self.error(element_id, f"the id {element_id!r} is used by {count} elements")
            if rules.is_reserved_id(element_id):
                self.error(element_id, f"the id {element_id!r} is reserved by the engine: rename the element")

    def _main_process(self) -> Any:
        """The first executable process that no call activity of this file calls (as Camunda,
        every executable process of the file is deployed; this one answers the upload)."""
        executable = [p for p in self.processes.values() if is_executable(p)]
        if not executable:
            self.error(None, 'no executable process: every process is marked isExecutable="false"')
            return None
        called = {el.get("calledElement") for el in self.root.iter(b("callActivity"))}
        mains = [p for p in executable if p.get("id") not in called] or executable
        return mains[0]

    def _container(self, container: Any, scope: str) -> None:
        """Check the flow elements of a process or subprocess."""
        nodes: dict[str, Any] = {}
        flows: list[Any] = []
        for el in container:
            kind = local(el)
            if kind is None or kind in IGNORED:
                continue
            if kind == "sequenceFlow":
                flows.append(el)
                check_listeners(self, el, kind)
                continue
            nodes[el.get("id")] = el
            if kind in FLOW_NODES:
                self._node(el, kind, scope)
            else:
                reason = java_problem(el) or UNSUPPORTED.get(
                    kind, f"bpmn:{kind} is not supported by the engine")
                self.error(el.get("id"), reason)
        self._flows(flows, nodes)
        check_links(self, container)
        self._boundaries(nodes)
        self._path(container, nodes, flows)

    def _node(self, el: Any, kind: str, scope: str) -> None:
        """Dispatch the checks of one flow node."""
        element_id = el.get("id")
        if not element_id:
            self.error(None, f"a bpmn:{kind} element has no id")
        if el.get("isForCompensation") == "true":
            self.error(element_id, "compensation is not supported")
        if kind.endswith("Event"):
            self._event(el, kind, scope)
        elif kind == "serviceTask":
            topic = rules.check_service_task(self, el)
            if topic and topic not in self.result.topics:
                self.result.topics.append(topic)
        elif kind == "userTask":
            rules.check_user_task(self, el)
        elif kind == "businessRuleTask":
            check_business_rule_task(self, el)
        elif kind == "scriptTask":
            rules.check_script_task(self, el)
        elif kind == "callActivity":
            called = validation_calls.check_call_activity(self, el, self.known_processes)
            target = self.processes.get(called)
            if target is not None and not is_executable(target):
                message = f'the called process {called!r} is marked isExecutable="false"'
                self.error(el.get("id"), message)
            if called and called not in self.result.called_processes:
                self.result.called_processes.append(called)
        elif kind == "sendTask":
            rules.check_message_throw(self, el, el)
            if not el.get("messageRef"):
                self.error(element_id, "the send task names no message (messageRef): Flowdesk delivers "
                                       "that message to the instance or start event waiting for it")
            else:
                rules.check_message(self, element_id, el)
        elif kind == "receiveTask":
            name = rules.check_message(self, element_id, el)
            if name:
                self.result.message_catches.append((element_id, name))
        elif kind == "subProcess":
            self._container(el, "eventSubProcess" if el.get("triggeredByEvent") == "true" else "subProcess")
        if kind in ACTIVITIES:
            validation_calls.check_loop(self, el)
        check_hooks(self, el, kind)

    def _event(self, el: Any, kind: str, scope: str) -> None:
        """Allowed event definitions for this kind of event, each checked."""
        element_id = el.get("id")
        definitions = [child for child in el if local(child) in EVENT_KINDS]
        if len(definitions) > 1:
            self.error(element_id, "events with several event definitions are not supported")
        found = EVENT_KINDS[local(definitions[0])] if definitions else "none"
        allowed = ALLOWED_EVENTS.get((kind, scope if kind == "startEvent" else None), set())
        if found not in allowed:
            where = f" in a {scope}" if kind == "startEvent" else ""
            self.error(
                element_id,
                f"{found} {kind}s{where} are not supported (allowed: {', '.join(sorted(allowed))})"
                + REFUSAL_HINTS.get(found, ""),
            )
            return
        if found == "timer" and kind == "startEvent" and scope == "process":
            check_timer_start(self, element_id, definitions[0])
        elif found == "timer":
            rules.check_timer(self, element_id, definitions[0])
        elif found == "message" and kind in THROWS:
            rules.check_message_throw(self, el, definitions[0])
            rules.check_message(self, element_id, definitions[0])
        elif found == "message":
            self._message(el, kind, scope, definitions[0])

    def _message(self, el: Any, kind: str, scope: str, definition: Any) -> None:
        """Check the message reference and any delivery condition; remember the name."""
        element_id = el.get("id")
        name = rules.check_message(self, element_id, definition)
        properties = rules.camunda_properties(el)
        if properties.get("condition"):
            problem = check_expression(properties["condition"])
            if problem:
                self.error(element_id, f"message condition: {problem}")
        if not name:
            return
        owner = el.getparent().get("id")
        if kind == "startEvent" and scope == "process" and owner == self.main_id:
            self.result.message_starts.append(MessageStart(element_id, name, properties))
        elif kind == "startEvent" and scope == "process" and is_executable(self.processes.get(owner)):
            # another executable process of the file: its own version gets these triggers
            self.result.other_starts.setdefault(owner, []).append(MessageStart(element_id, name, properties))
        else:
            self.result.message_catches.append((element_id, name))

    def _flows(self, flows: list[Any], nodes: dict[str, Any]) -> None:
        """Flows join existing elements of the same scope; gateway branches have conditions."""
        outgoing: dict[str, list[Any]] = {}
        for flow in flows:
            flow_id = flow.get("id")
            for end in ("sourceRef", "targetRef"):
                ref = flow.get(end)
                if ref not in nodes:
                    self.error(
                        flow_id,
                        f"sequence flow {flow_id}: its {end} {ref!r} is not an element of this process",
                    )
            source = nodes.get(flow.get("sourceRef"))
            has_condition = rules.check_condition(self, flow, local(source) if source is not None else None)
            outgoing.setdefault(flow.get("sourceRef"), []).append((flow, has_condition))
        for node_id, el in nodes.items():
            if local(el) in ("exclusiveGateway", "inclusiveGateway"):
                self._gateway_branches(el, outgoing.get(node_id, []))

    def _gateway_branches(self, gateway: Any, branches: list[tuple[Any, bool]]) -> None:
        """The default flow leaves the gateway; other branches of a split need conditions."""
        default = gateway.get("default")
        ids = [flow.get("id") for flow, _ in branches]
        if default and default not in ids:
            self.error(gateway.get("id"), f"the default flow {default!r} does not leave this gateway")
        if len(branches) < 2:
            return
        for flow, has_condition in branches:
            if not has_condition and flow.get("id") != default:
                self.error(
                    flow.get("id"),
                    f"this branch of gateway {gateway.get('id')} needs a condition (or be its default flow)",
                )

    def _boundaries(self, nodes: dict[str, Any]) -> None:
        """Boundary events sit on an activity of the same scope."""
        for node_id, el in nodes.items():
            if local(el) != "boundaryEvent":
                continue
            host = nodes.get(el.get("attachedToRef"))
            if host is None or local(host) not in ACTIVITIES:
                self.error(
                    node_id,
                    f"the boundary event is attached to {el.get('attachedToRef')!r}, not to an activity here",
                )

    def _path(self, container: Any, nodes: dict[str, Any], flows: list[Any]) -> None:
        """Refuse containers whose longest sequential path exceeds MAX_PATH."""
        edges: dict[str, set[str]] = {}
        for flow in flows:
            edges.setdefault(flow.get("sourceRef"), set()).add(flow.get("targetRef"))
        for node_id, el in nodes.items():
            if local(el) == "boundaryEvent":
                edges.setdefault(el.get("attachedToRef"), set()).add(node_id)
        length = longest_path(nodes, edges)
        if length > MAX_PATH:
            self.error(
                container.get("id"),
                f"the longest path has {length} steps, more than {MAX_PATH}: {PATH_REASON}",
            )
