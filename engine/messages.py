"""Named messages (Camunda 7's message correlation): wake waiting instances or start processes.

A message is first offered to instances waiting for it (intermediate catch, receive task,
boundary event, event subprocess), narrowed by business key and by process variables that
must equal the given values; if none waits, it starts every active process whose message
start event has that name (Camunda's `correlate`, which likewise tries executions first).
Record events (`deal.updated`, `email.received`) come only from the CRM, never from here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from crm.event_types import wait_types
from engine import spiff_adapter as spiff
from engine.models import InstanceEvent, MessageWait, ProcessInstance, ProcessVersion
from engine.states import InstanceStatus
from errors import Conflict, NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user


def is_record_message(name: str) -> bool:
    """Whether `name` is a record event the CRM itself delivers."""
    return name in wait_types()


def _check_input(name: Any, business_key: Any, correlation: Any, variables: Any) -> dict:
    """Field errors of a correlation request, then the cleaned variables."""
    from engine.triggers import clean_variables

    errors = {}
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors["name"] = "Name the message (at most 100 characters)"
    elif is_record_message(name):
        errors["name"] = f"{name!r} is a record event: the CRM delivers it when records change"
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > 255):
        errors["business_key"] = "Expected a string of at most 255 characters"
    if correlation is not None and not isinstance(correlation, dict):
        errors["correlation"] = "Expected an object {variable: value}"
    if variables is not None and not isinstance(variables, dict):
        errors["variables"] = "Expected an object of variables"
    if errors:
        raise ValidationError.from_fields(errors)
    return clean_variables(variables or {})


def waiting_instances(name: str, kind: str, business_key: str | None = None) -> list[ProcessInstance]:
    """Waiting instances with a wait for `name` of `kind`, oldest first."""
    query = (select(ProcessInstance).join(MessageWait, MessageWait.instance_id == ProcessInstance.id)
             .where(MessageWait.message_name == name, MessageWait.kind == kind,
                    ProcessInstance.status == InstanceStatus.WAITING)
             .distinct().order_by(ProcessInstance.id))
    if business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    return list(db.session.scalars(query))


def _matches(wf: Any, correlation: dict) -> bool:
    """Every correlation variable equals the instance's value."""
    if not correlation:
        return True
    values = spiff.variables(wf)
    return all(name in values and values[name] == value for name, value in correlation.items())


def _candidates(name: str, business_key: str | None, correlation: dict,
                actor: Actor) -> list[tuple[ProcessInstance, Any]]:
    """(instance, loaded workflow) of the readable waiting instances that correlate."""
    from engine.instances import may_read

    found = []
    for instance in waiting_instances(name, "message", business_key):
        if not may_read(instance, actor):
            continue  # as if it did not exist: no leak of other people's processes
        wf = spiff.load(instance)
        if _matches(wf, correlation):
            found.append((instance, wf))
    return found


def deliver(instance: ProcessInstance, wf: Any, name: str, kind: str, variables: dict, *,
            actor_id: int | None, business_key: str | None = None) -> list[str]:
    """Hand a message or signal to a loaded instance; on a catch, log and schedule its step."""
    from engine.runtime import schedule_run

    caught = spiff.deliver_message(wf, name, variables, variables, kind=kind)
    if not caught:
        return []
    instance.state = spiff.dump(wf)
    instance.status = InstanceStatus.RUNNING
    if business_key and not instance.business_key:
        instance.business_key = business_key
    db.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    db.session.add(InstanceEvent(
        instance_id=instance.id, kind=kind, element_id=caught[0], actor_id=actor_id,
        on_behalf_of_id=actor_id, message=f"Received {kind} {name}",
        data={"variables": variables} if variables else None))
    schedule_run(instance.id)
    return caught


def start_versions(name: str, kind: str) -> list[ProcessVersion]:
    """The newest active versions with a `kind` start event named `name`."""
    from engine.triggers import active_versions

    return [v for v in active_versions() if name in spiff.start_event_names(v, kind)]


def start_by_event(version: ProcessVersion, name: str, kind: str, variables: dict, *,
                   initiator: int | None, business_key: str | None = None,
                   start_event_id: str | None = None, depth: int = 0) -> ProcessInstance | None:
    """Start an instance of `version` through its `kind` start event `name` (a timer: its element)."""
    from engine.triggers import start_instance

    return start_instance(
        version, None, None, record=None, start_message=name, start_kind=kind,
        event={"type": kind, "name": name, "variables": variables}, initiator=initiator,
        variables=variables, start_event_id=start_event_id, business_key=business_key, depth=depth)


def correlate_message(name: Any, *, business_key: Any = None, correlation: Any = None,
                      variables: Any = None, all_instances: bool = False, actor: Actor) -> dict:
    """Deliver a named message (see the module docstring); 404 when nothing takes it."""
    variables = _check_input(name, business_key, correlation, variables)
    user = actor_user(actor)
    candidates = _candidates(name, business_key, correlation or {}, actor)
    if len(candidates) > 1 and not all_instances:
        raise Conflict(f"{len(candidates)} process instances wait for the message {name!r}: "
                       "narrow it with business_key or correlation, or pass all: true")
    reached = []
    for instance, wf in candidates:
        caught = deliver(instance, wf, name, "message", variables, actor_id=user.id,
                         business_key=business_key)
        if caught:
            reached.append({"id": instance.id, "key": instance.version.definition.key,
                            "element_id": caught[0]})
    started = []
    if not reached and not correlation:
        for version in start_versions(name, "message"):
            instance = start_by_event(version, name, "message", variables, initiator=user.id,
                                      business_key=business_key)
            if instance is not None:
                started.append({"id": instance.id, "key": version.definition.key,
                                "version": version.number})
    if not reached and not started:
        raise NotFound(f"No process instance or message start event waits for the message {name!r}")
    return {"message": name, "instances": reached, "started": started}
