"""Call activities as child instances: start them, bind them to a version, resume the caller.

A call activity that runs asks for a child instance (engine.spiff.calls). After each step
the runtime calls `after_advance`: every pending call resolves its `calledElement` among
ALL deployed processes (any file) by its binding, starts a child instance in the same
transaction (parent_instance_id, parent_task_uuid, parent_element_id, depth + 1), and
when a child completes its caller gets the `camunda:out` variables and runs on (or the
child's BPMN error is thrown at the call activity). A call that cannot start (process
not deployed, no such version, call depth limit...) is an incident on the caller naming
the element; operators retry it once the cause is fixed, as in Camunda.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from engine import spiff_adapter as spiff
from engine.incidents import instance_failed
from engine.models import InstanceEvent, ProcessDefinition, ProcessInstance, ProcessVersion
from engine.states import FINISHED_STATUSES, InstanceStatus
from extensions import db

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


class CallRefused(Exception):
    """The child cannot be started; the message names why."""


# ---- after each step ----------------------------------------------------------------------

def after_advance(instance: ProcessInstance, wf: Any, result: Any) -> bool:
    """Start the children the step asked for; hand a finished child back to its caller.

    True when a call task of `wf` was marked or failed (its variables may read otherwise)."""
    from engine.spiff import calls as spiff_calls

    calls = spiff_calls.pending_calls(wf)
    for call in calls:
        try:
            child = _start_child(instance, call)
        except CallRefused as exc:
            message = str(exc)
            spiff_calls.fail_call(wf, call["task_id"], message)
            if result.error is None:
                result.error = (call["element_id"], f"Call activity {call['element_id']}: {message}")
            continue
        spiff_calls.mark_called(wf, call["task_id"], child.id)
    _terminate_cancelled(instance, wf)
    if result.error is None and any(e["element_id"] for e in spiff_errors(wf)):
        first = spiff_errors(wf)[0]
        result.error = (first["element_id"], first["message"])
    if result.error is not None:
        result.completed = False
    elif result.completed and instance.parent_instance_id is not None:
        _resume_parent(instance, wf, result)
    return bool(calls)


def _terminate_cancelled(instance: ProcessInstance, wf: Any) -> None:
    """A call activity interrupted (boundary event, completion condition) ends its child too."""
    from engine.instances import FINISHED, terminate_tree
    from engine.spiff import calls as spiff_calls

    for child_id in spiff_calls.cancelled_calls(wf):
        child = db.session.get(ProcessInstance, child_id)
        if child is not None and child.status not in FINISHED:
            terminate_tree(child, None, f"Terminated: the call activity of instance #{instance.id} was "
                                        "interrupted")


def spiff_errors(wf: Any) -> list[dict]:
    """Tasks in error (a failed mapping leaves its call task there)."""
    from engine.spiff import snapshot

    return snapshot.errors(wf)


def _start_child(instance: ProcessInstance, call: dict) -> ProcessInstance:
    """Create the child instance (in this transaction) or raise CallRefused."""
    from engine.spiff_adapter import NotStartable
    from engine.triggers import load_record_dict, start_instance

    limit = current_app.config.get("ENGINE_MAX_CALL_DEPTH", 10)
    depth = (instance.depth or 0) + 1
    if depth > limit:
        raise CallRefused(f"the call depth limit of {limit} is reached (instance {instance.id} is at depth "
                          f"{instance.depth}); raise FLOWDESK_ENGINE_MAX_CALL_DEPTH or end the recursion")
    version = resolve_version(call, instance.version)
    try:
        child = start_instance(
            version, instance.entity, instance.entity_id,
            record=load_record_dict(instance.entity, instance.entity_id), start_message=None,
            event={"type": "call", "parent_instance_id": instance.id, "element_id": call["element_id"]},
            initiator=instance.started_by_id, depth=depth, variables=call["variables"],
            element_id=call["element_id"])
    except NotStartable:
        raise CallRefused(f"the called process {call['called_element']!r} starts only on a message") from None
    child.on_behalf_of_id = instance.on_behalf_of_id
    child.parent_instance_id = instance.id
    child.parent_task_uuid, child.parent_element_id = call["task_id"], call["element_id"]
    db.session.add(InstanceEvent(
        instance_id=instance.id, kind="call_started", element_id=call["element_id"],
        message=f"Started instance #{child.id} of {version.definition.key} v{version.number}",
        data={"child_instance_id": child.id, "binding": call["binding"]}))
    return child


def resolve_version(call: dict, caller: ProcessVersion) -> ProcessVersion:
    """The version a call binds to (Camunda's calledElementBinding), or CallRefused."""
    key, binding = call["called_element"], call.get("binding") or "latest"
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise CallRefused(f"the called process {key!r} is not deployed")
    if not definition.active:
        raise CallRefused(f"the called process {key!r} is deactivated")
    query = select(ProcessVersion).where(ProcessVersion.definition_id == definition.id)
    if binding == "deployment":
        query, what = query.where(ProcessVersion.bpmn_sha256 == caller.bpmn_sha256), "in the caller's file"
    elif binding == "version":
        number = str(call.get("version") or "").strip()
        if not number.isdigit():
            raise CallRefused(f"camunda:calledElementVersion {number!r} is not a version number")
        query, what = query.where(ProcessVersion.number == int(number)), f"version {number}"
    elif binding == "versionTag":
        tag = call.get("version_tag")
        query, what = query.where(ProcessVersion.version_tag == tag), f"with the version tag {tag!r}"
    elif binding == "latest":
        what = "any version"
    else:
        raise CallRefused(f"camunda:calledElementBinding {binding!r} is not latest, deployment, version "
                          "or versionTag")
    version = db.session.scalar(query.order_by(ProcessVersion.number.desc()).limit(1))
    if version is None:
        raise CallRefused(f"the called process {key!r} has no deployed version {what}")
    return version


def _resume_parent(child: ProcessInstance, wf: Any, result: Any) -> None:
    """The child completed: its caller gets the out variables (or its BPMN error) and runs on."""
    from engine.runtime import schedule_run
    from engine.spiff import calls as spiff_calls

    parent = db.session.get(ProcessInstance, child.parent_instance_id)
    if parent is None or parent.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        return
    pwf = spiff.load(parent)
    if spiff_calls.waiting_child(pwf, child.parent_task_uuid) != child.id:
        return
    errors = [t for t in result.thrown if t.get("kind") == "ErrorEventDefinition"]
    caught = True
    if errors:
        error = errors[0]
        caught = spiff_calls.throw_child_error(pwf, child.parent_task_uuid, error["name"], error["code"])
        message = f"Instance #{child.id} ended with the error {errors[0]['code'] or errors[0]['name']!r}"
    else:
        spiff_calls.finish_call(pwf, child.parent_task_uuid, spiff.variables(wf))
        message = f"Instance #{child.id} completed"
    parent.state = spiff.dump(pwf)
    db.session.add(InstanceEvent(instance_id=parent.id, kind="call_completed",
                                 element_id=child.parent_element_id, message=message,
                                 data={"child_instance_id": child.id}))
    if not caught:
        parent.status, parent.error_element = InstanceStatus.ERROR, child.parent_element_id
        parent.error_message = spiff_errors(pwf)[0]["message"]
        db.session.add(InstanceEvent(instance_id=parent.id, kind="error", element_id=parent.error_element,
                                     message=parent.error_message))
        instance_failed(parent)
    elif parent.status in (InstanceStatus.WAITING, InstanceStatus.RUNNING):
        parent.status = InstanceStatus.RUNNING
        schedule_run(parent.id)


# ---- terminate, links ---------------------------------------------------------------------

def child_terminated(child: ProcessInstance) -> None:
    """A child terminated on its own: its caller gets an incident at the call activity (retry
    starts a new child), rather than waiting for ever."""
    from engine.spiff import calls as spiff_calls

    parent = db.session.get(ProcessInstance, child.parent_instance_id) if child.parent_instance_id else None
    if parent is None or parent.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        return
    pwf = spiff.load(parent)
    if spiff_calls.waiting_child(pwf, child.parent_task_uuid) != child.id:
        return
    spiff_calls.fail_call(pwf, child.parent_task_uuid, f"the called instance #{child.id} was terminated")
    parent.state = spiff.dump(pwf)
    parent.status, parent.error_element = InstanceStatus.ERROR, child.parent_element_id
    parent.error_message = spiff_errors(pwf)[0]["message"]
    db.session.add(InstanceEvent(instance_id=parent.id, kind="error", element_id=parent.error_element,
                                 message=parent.error_message))
    instance_failed(parent)


def active_children(instance: ProcessInstance) -> list[ProcessInstance]:
    """Child instances not finished yet."""
    return list(db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.parent_instance_id == instance.id,
        ProcessInstance.status.notin_(FINISHED_STATUSES)).order_by(ProcessInstance.id)))


def links(instance: ProcessInstance) -> dict:
    """The parent and the children of an instance, as the API shows them."""
    parent_id = instance.parent_instance_id
    parent = db.session.get(ProcessInstance, parent_id) if parent_id else None
    children = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.parent_instance_id == instance.id).order_by(ProcessInstance.id))
    return {"parent": _link(parent) if parent else None,
            "children": [_link(c) | {"element_id": c.parent_element_id} for c in children]}


def _link(instance: ProcessInstance) -> dict:
    return {"id": instance.id, "key": instance.version.definition.key, "version": instance.version.number,
            "name": instance.version.name, "status": instance.status}


# ---- deploy: the other processes of the uploaded file --------------------------------------

def file_processes(data: bytes) -> list[dict]:
    """[{id, name, version_tag, executable}] of every process in a BPMN file."""
    from engine.spiff.xmlsafe import parse_xml

    return [{"id": p.get("id"), "name": p.get("name") or p.get("id"),
             "version_tag": p.get(f"{{{CAMUNDA}}}versionTag"),
             "executable": (p.get("isExecutable") or "true").strip().lower() != "false"}  # as Camunda
            for p in parse_xml(data).findall(f"{{{BPMN}}}process")]


def deploy_file_processes(data: bytes, main: ProcessVersion,
                          triggers: dict[str, list[dict]] | None = None) -> list[ProcessVersion]:
    """Keep the main version's tag; deploy the file's other executable processes as their own
    versions (same file, same hash: `calledElementBinding="deployment"` finds them), each with
    the record-event triggers of its own message start events."""
    from engine.deploy import _carry_over, _definition_for, latest_version

    added = []
    for process in file_processes(data):
        if process["id"] == main.process_id:
            main.version_tag = process["version_tag"]
            continue
        if not process["executable"]:
            continue
        definition = _definition_for(process["id"], process["name"])
        latest = latest_version(definition)
        if latest is not None and latest.bpmn_sha256 == main.bpmn_sha256:
            continue
        version = ProcessVersion(
            definition=definition, number=(latest.number + 1) if latest else 1, process_id=process["id"],
            name=process["name"], bpmn=data, bpmn_sha256=main.bpmn_sha256,
            triggers=_carry_over((triggers or {}).get(process["id"], []), latest),
            spec_blob=spiff.spec_blob(data, process["id"]), version_tag=process["version_tag"],
            created_by_id=main.created_by_id)
        db.session.add(version)
        added.append(version)
    db.session.flush()
    return added
