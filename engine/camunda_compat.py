"""Camunda 7 attributes and extension elements: what the engine honours, refuses or only accepts.

Every `camunda:*` attribute and every extension element of an uploaded diagram falls in one
of three sets: HONOURED (the engine does what Camunda does with it; the module that does it
is named), REFUSED (engine.spiff.validation* refuses the upload naming the element, e.g.
Java classes) or anything else, which deploys with a warning `{element, message}` in the
upload answer, on the process page and on the element in the designer. Nothing accepted is
silently ignored. Pure lxml: no SpiffWorkflow, no database.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ANY = "*"

# attribute -> the element kinds that honour it (ANY: wherever it is allowed) and who does it.
HONOURED: dict[str, tuple[set[str] | str, str]] = {
    "versionTag": ({"process"}, "kept per version; calledElementBinding=versionTag finds it"),
    "candidateStarterUsers": ({"process"}, "who may start the process by hand (engine.starters)"),
    "candidateStarterGroups": ({"process"}, "who may start the process by hand (engine.starters)"),
    "assignee": ({"userTask"}, "engine.assignment"),
    "candidateUsers": ({"userTask"}, "engine.assignment"),
    "candidateGroups": ({"userTask"}, "engine.assignment"),
    "dueDate": ({"userTask"}, "the inbox due date"),
    "followUpDate": ({"userTask"}, "the inbox follow-up date"),
    "priority": ({"userTask"}, "the inbox priority"),
    "type": ({"serviceTask"}, "external service tasks run Flowdesk activity topics"),
    "topic": ({"serviceTask"}, "the activity topic"),
    "formRef": ({"userTask", "startEvent"}, "engine.camunda_forms: the Camunda Form (form-js) the inbox "
                                            "(or a start by hand) shows and checks"),
    "formRefBinding": ({"userTask", "startEvent"}, "engine.camunda_forms (latest, deployment or version)"),
    "formRefVersion": ({"userTask", "startEvent"}, "engine.camunda_forms"),
    "decisionRef": ({"businessRuleTask"}, "engine.decisions: the DMN decision evaluated"),
    "decisionRefBinding": ({"businessRuleTask"}, "engine.decisions (latest or version)"),
    "decisionRefVersion": ({"businessRuleTask"}, "engine.decisions"),
    "mapDecisionResult": ({"businessRuleTask"}, "engine.dmn.results"),
    "resultVariable": ({"serviceTask", "businessRuleTask", "receiveTask", "startEvent",
                        "intermediateCatchEvent", "boundaryEvent", "messageEventDefinition"},
                       "where the result or message lands"),
    "calledElementBinding": ({"callActivity"}, "engine.calls"),
    "calledElementVersion": ({"callActivity"}, "engine.calls"),
    "calledElementVersionTag": ({"callActivity"}, "engine.calls"),
    "collection": ({"multiInstanceLoopCharacteristics"}, "engine.spiff.multi_instance"),
    "elementVariable": ({"multiInstanceLoopCharacteristics"}, "engine.spiff.multi_instance"),
    "errorCodeVariable": ({"errorEventDefinition"}, "engine.spiff.event_definitions"),
    "errorMessageVariable": ({"errorEventDefinition"}, "engine.spiff.event_definitions"),
    "errorMessage": ({"error"}, "engine.spiff.event_definitions"),
    "asyncBefore": (ANY, "a step boundary: what led to the element commits first (engine.spiff.stepping)"),
    "asyncAfter": (ANY, "a step boundary: the element's end commits on its own (engine.spiff.stepping)"),
    "exclusive": (ANY, "an instance always runs one step at a time"),
    "initiator": ({"startEvent"}, "the starter's user id in that variable (engine.starters)"),
    "historyTimeToLive": ({"process"}, "days finished instances and their history are kept "
                                       "(engine.history_cleanup)"),
    # Modeler metadata (element templates, diagram ids): no meaning at run time, in Camunda either.
    "modelerTemplate": (ANY, "the element template applied in the designer"),
    "modelerTemplateVersion": (ANY, "the element template applied in the designer"),
    "modelerTemplateIcon": (ANY, "the element template applied in the designer"),
    "diagramRelationId": (ANY, "Camunda Modeler's diagram id"),
}
# Refused at upload by engine.spiff.validation* (the element and the reason are named there).
REFUSED = {"class", "delegateExpression", "expression", "resource", "variableMappingClass",
           "variableMappingDelegateExpression"}
# Accepted with this warning (Camunda features the engine has no counterpart for).
WARNED = {
    "formKey": "accepted: only camunda-forms:deployment:NAME.form keys show a form (a Camunda Form); "
               "other keys are not used (Flowdesk renders camunda:formData itself)",
    "jobPriority": "accepted: Flowdesk has no job priorities",
    "taskPriority": "accepted: Flowdesk has no external task priorities",
    "isStartableInTasklist": "accepted: any user allowed to start the process can start it by hand",
}
HONOURED_EXTENSIONS: dict[str, str] = {
    "properties": "kept with the element (message conditions, inbox task properties)",
    "inputOutput": "engine.spiff.io_mapping",
    "executionListener": "engine.spiff.listeners",
    "taskListener": "engine.spiff.listeners",
    "in": "engine.calls",
    "out": "engine.calls",
    "formData": "engine.forms: rendered in the inbox and checked on completion",
    "failedJobRetryTimeCycle": "engine.spiff.async_retry: a failed job is retried after each delay",
}
REFUSED_EXTENSIONS = {"connector": "Camunda Connect connectors (Java) cannot run here: use an external "
                                   "task topic (camunda:type=\"external\")"}
WARNED_EXTENSIONS = {
    "field": "accepted: field injection only reaches Java classes, which do not run here",
    "errorEventDefinition": "accepted: external task error definitions are not evaluated",
    "potentialStarter": "accepted: use camunda:candidateStarterUsers/Groups to say who may start it",
}

# Element kinds the engine runs differently from Camunda, said on every upload that has them.
# (A plain bpmn:task is Flowdesk's own to-do, drawn as such in its designer: no warning.)
TO_DO = {
    "manualTask": "bpmn:manualTask: an inbox to-do that someone marks done (Camunda passes it through)",
}


FLOW_NODE_KINDS = {"userTask", "serviceTask", "businessRuleTask", "scriptTask", "receiveTask", "sendTask",
                   "task", "manualTask", "callActivity", "subProcess", "startEvent", "endEvent",
                   "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
                   "inclusiveGateway", "parallelGateway", "eventBasedGateway"}

# Data objects and stores: documentation only in Camunda 7, and here (engine.spiff.parser drops them).
DATA = {
    kind: (f"bpmn:{kind}: documentation only, as in Camunda 7: nothing is read from or written to it "
           "(data associations are not evaluated); the process's data are its variables")
    for kind in ("dataObjectReference", "dataStoreReference")
}


def _local(el: Any) -> tuple[str | None, str | None]:
    if not isinstance(el.tag, str):
        return None, None
    qname = etree.QName(el)
    return qname.namespace, qname.localname


def _owner(el: Any) -> str | None:
    """The id of the nearest element that has one (a definition's event, a loop's activity)."""
    while el is not None:
        if el.get("id") and _local(el)[0] == BPMN:
            return el.get("id")
        el = el.getparent()
    return None


JAVA_ATTRIBUTES = ("class", "delegateExpression", "expression")
USE_TOPIC = 'use an external service task (camunda:type="external" camunda:topic="...") instead'


def java_problem(el: Any) -> str | None:
    """The refusal of a task implemented in Java (a class, delegate or bean expression), naming it."""
    for attribute in JAVA_ATTRIBUTES:
        value = el.get(f"{{{CAMUNDA}}}{attribute}")
        if value:
            what = "Java class" if attribute == "class" else f"Java {attribute}"
            return f"the {what} {value!r} (camunda:{attribute}) cannot run here: {USE_TOPIC}"
    return None


def attribute_warning(kind: str, name: str) -> str | None:
    """The warning for `camunda:<name>` on a `bpmn:<kind>`, or None when honoured or refused."""
    honoured = HONOURED.get(name)
    if honoured is not None and (honoured[0] == ANY or kind in honoured[0]):
        return None
    if name in REFUSED:
        return None
    if name in WARNED:
        return f"camunda:{name}: {WARNED[name]}"
    return f"camunda:{name} is not supported on a {kind} and is ignored"


def extension_warning(kind: str, name: str, namespace: str | None) -> str | None:
    """The warning for an extension element of a `bpmn:<kind>`, or None when honoured or refused."""
    if namespace != CAMUNDA:
        return f"the {namespace or 'unqualified'} extension <{name}> is not used by Flowdesk"
    if name == "formData" and kind != "userTask":
        return ("camunda:formData: only user task forms are shown; start the process with variables "
                "through the API instead")
    if name == "failedJobRetryTimeCycle" and kind not in FLOW_NODE_KINDS:
        return (f"camunda:failedJobRetryTimeCycle on a {kind} is not used: put it on the element "
                "(task, event, gateway) whose failures it retries")
    if name in HONOURED_EXTENSIONS or name in REFUSED_EXTENSIONS:
        return None
    if name in WARNED_EXTENSIONS:
        return f"camunda:{name}: {WARNED_EXTENSIONS[name]}"
    return f"camunda:{name} is not supported and is ignored"


def diagram_warnings(root: Any) -> list[dict[str, Any]]:
    """Every accepted-but-not-honoured Camunda attribute and extension, as [{element, message}]."""
    warnings: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()

    def warn(element: str | None, message: str | None) -> None:
        if message and (element, message) not in seen:
            seen.add((element, message))
            warnings.append({"element": element, "message": message})

    for el in root.iter():
        namespace, kind = _local(el)
        if namespace != BPMN:
            continue
        for key in el.attrib:
            qname = etree.QName(key)
            if qname.namespace == CAMUNDA and not _camunda_form_key(kind, qname.localname, el.get(key)):
                warn(_owner(el), attribute_warning(kind, qname.localname))
        if kind in TO_DO or kind in DATA:
            warn(el.get("id"), TO_DO.get(kind) or DATA[kind])
        if kind == "userTask":
            for field in el.iter(f"{{{CAMUNDA}}}formField"):
                if not field.get("type"):
                    warn(el.get("id"), f"form field {field.get('id')!r} has no type: it is a string field")
        if kind == "extensionElements":
            for child in el:
                child_ns, child_name = _local(child)
                if child_name is not None:
                    warn(_owner(el), extension_warning(_local(el.getparent())[1], child_name, child_ns))
    return warnings


def _camunda_form_key(kind: str, name: str, value: str) -> bool:
    """A user task's or start event's camunda-forms: form key: honoured (engine.camunda_forms), no warning."""
    return (kind in ("userTask", "startEvent") and name == "formKey"
            and value.strip().startswith("camunda-forms:"))


def refused_extensions(root: Any) -> list[dict[str, Any]]:
    """Extension elements that cannot run here, as [{element, message}] errors."""
    errors = []
    for el in root.iter(f"{{{CAMUNDA}}}connector"):
        connector = el.findtext(f"{{{CAMUNDA}}}connectorId") or "?"
        errors.append({"element": _owner(el),
                       "message": f"connector {connector!r}: {REFUSED_EXTENSIONS['connector']}"})
    return errors


def compatibility_table() -> list[dict[str, str]]:
    """[{name, status, note}] for docs and tests: every Camunda attribute and extension named here."""
    rows = [{"name": f"camunda:{n}", "status": "honoured", "note": note} for n, (_, note) in HONOURED.items()]
    rows += [{"name": f"camunda:{n}", "status": "refused", "note": "refused at upload naming the element"}
             for n in sorted(REFUSED)]
    for status, table in (("warning", WARNED), ("honoured", HONOURED_EXTENSIONS),
                          ("refused", REFUSED_EXTENSIONS), ("warning", WARNED_EXTENSIONS)):
        rows += [{"name": f"camunda:{n}", "status": status, "note": note} for n, note in table.items()]
    return rows
