"""Process instances for people: list, detail, retry, suspend, resume, terminate."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from engine import spiff_adapter as spiff
from engine.incidents import resolve_open
from engine.models import (
    INSTANCE_STATUSES,
    EngineTimer,
    HumanTask,
    InstanceEvent,
    MessageWait,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)
from engine.runtime import flush_or_conflict, schedule_run
from engine.states import FINISHED_STATUSES, HumanTaskState, InstanceStatus
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.admin import acts_as_admin
from org.models import utcnow, valid_id

FINISHED = FINISHED_STATUSES


def _can_read_record(entity: str | None, entity_id: int | None, actor: Actor) -> bool:
    if entity is None or entity_id is None:
        return False
    from engine.triggers import require_readable

    try:
        require_readable(entity, entity_id, actor)
    except (NotFound, Forbidden, ValidationError):
        return False
    return True


def may_read(instance: ProcessInstance, actor: Actor) -> bool:
    """Admins, the starter, and whoever may read the record the instance is about."""
    user = actor_user(actor)
    if acts_as_admin(user) or instance.started_by_id == user.id:
        return True
    return _can_read_record(instance.entity, instance.entity_id, actor)


def may_control(instance: ProcessInstance, actor: Actor) -> bool:
    """Retry, suspend, resume and terminate: admins and the person who started it."""
    user = actor_user(actor)
    return bool(acts_as_admin(user) or instance.started_by_id == user.id)


def get_instance(instance_id: int, *, actor: Actor) -> ProcessInstance:
    """An instance the actor may read (404 otherwise)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not may_read(instance, actor):
        raise NotFound(f"No process instance {instance_id}")
    return instance


def list_instances(*, actor: Actor, entity: str | None = None, entity_id: Any = None,
                   status: str | None = None, limit: int = 50, before: int | None = None,
                   key: str | None = None) -> list[ProcessInstance]:
    """Instances filtered by record and status, newest first, the ones the actor may see."""
    errors = {}
    if status is not None and status not in INSTANCE_STATUSES:
        errors["status"] = "One of " + ", ".join(INSTANCE_STATUSES)
    if entity_id is not None and not valid_id(entity_id):  # bounded: PostgreSQL integer range
        errors["entity_id"] = "Expected a number"
    if entity_id is not None and not entity:
        errors["entity"] = "Give the record type with entity_id"
    if errors:
        raise ValidationError.from_fields(errors)
    query = (select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(limit)
             .options(selectinload(ProcessInstance.version).selectinload(ProcessVersion.definition)))
    if entity:
        query = query.where(ProcessInstance.entity == entity)
    if entity_id is not None:
        query = query.where(ProcessInstance.entity_id == int(entity_id))
    if status:
        query = query.where(ProcessInstance.status == status)
    if before:
        query = query.where(ProcessInstance.id < before)
    if key:
        query = query.join(ProcessVersion).join(ProcessDefinition).where(ProcessDefinition.key == key)
    readable = entity_id is not None and _can_read_record(entity, int(entity_id), actor)
    return list(db.session.scalars(query if readable else visible(query, actor)))


def visible(query: Any, actor: Actor) -> Any:
    """Limit an instance query to the ones the actor sees in lists: admins all, others their own."""
    user = actor_user(actor)
    if acts_as_admin(user):
        return query
    return query.where(or_(ProcessInstance.started_by_id == user.id,
                           ProcessInstance.on_behalf_of_id == user.id))


def _require_control(instance_id: int, actor: Actor) -> ProcessInstance:
    instance = get_instance(instance_id, actor=actor)
    if not may_control(instance, actor):
        raise Forbidden("Only an administrator or the person who started the process can do this")
    return instance


def _log(instance: ProcessInstance, kind: str, actor: Actor | None, message: str) -> None:
    user_id = actor_user(actor).id if actor is not None else None
    db.session.add(InstanceEvent(instance_id=instance.id, kind=kind, actor_id=user_id,
                                 on_behalf_of_id=user_id, message=message))


def retry_instance(instance_id: int, *, actor: Actor) -> ProcessInstance:
    """Run an errored instance again from the element that failed."""
    instance = _require_control(instance_id, actor)
    if instance.status != InstanceStatus.ERROR:
        raise Conflict(f"Only an instance in error can be retried (it is {instance.status})")
    wf = spiff.load(instance)
    spiff.retry_errored(wf)
    from engine.external_tasks import reset_retries

    reset_retries(instance.id)
    instance.state = spiff.dump(wf)
    instance.status = InstanceStatus.RUNNING
    _log(instance, "retried", actor, f"Retried after: {instance.error_message or 'error'}")
    resolve_open(instance, actor, "retried")
    instance.error_element = instance.error_message = None
    schedule_run(instance.id)
    flush_or_conflict()
    return instance


def suspend_instance(instance_id: int, *, actor: Actor) -> ProcessInstance:
    """Pause an instance: no steps, timers or completions until it is resumed."""
    instance = _require_control(instance_id, actor)
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR):
        raise Conflict(f"A {instance.status} instance cannot be suspended")
    instance.status = InstanceStatus.SUSPENDED
    _log(instance, "suspended", actor, "Suspended")
    flush_or_conflict()
    return instance


def resume_instance(instance_id: int, *, actor: Actor) -> ProcessInstance:
    """Continue a suspended instance (a step brings it back to its wait state)."""
    instance = _require_control(instance_id, actor)
    if instance.status != InstanceStatus.SUSPENDED:
        raise Conflict(f"Only a suspended instance can be resumed (it is {instance.status})")
    instance.status = InstanceStatus.RUNNING
    _log(instance, "resumed", actor, "Resumed")
    schedule_run(instance.id)
    flush_or_conflict()
    return instance


def set_suspended(instance_id: int, suspended: bool, *, actor: Actor) -> ProcessInstance:
    """Suspend or resume; asking for the state the instance is in already changes nothing."""
    instance = _require_control(instance_id, actor)
    if suspended == (instance.status == InstanceStatus.SUSPENDED):
        return instance
    return (suspend_instance if suspended else resume_instance)(instance_id, actor=actor)


def suspend_by_key(key: str, suspended: bool, *, actor: Actor) -> int:
    """Suspend (or resume) every unfinished instance of a process the actor may control."""
    wanted = (InstanceStatus.SUSPENDED,) if not suspended else (
        InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)
    ids = list(db.session.scalars(visible(
        select(ProcessInstance.id).join(ProcessVersion).join(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessInstance.status.in_(wanted)), actor)))
    ids = [i for i in ids if may_control(db.session.get(ProcessInstance, i), actor)]
    for instance_id in ids:
        set_suspended(instance_id, suspended, actor=actor)
    return len(ids)


TERMINATE_ATTEMPTS = 3


def terminate_instance(instance_id: int, *, actor: Actor) -> ProcessInstance:
    """Stop an instance for good: open tasks are cancelled, timers and waits dropped, and the
    child instances its call activities started are terminated with it.

    A step committing meanwhile (a long run continues in step after step) is no reason to
    refuse: terminate tries again on the fresh row; the step running after it is discarded.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from engine.calls import child_terminated

    for _attempt in range(TERMINATE_ATTEMPTS):
        instance = _require_control(instance_id, actor)
        if instance.status in FINISHED:
            raise Conflict(f"The instance is already {instance.status}")
        try:  # autoflush may meet the moved row before the commit does
            terminate_tree(instance, actor, "Terminated")
            child_terminated(instance)
            db.session.flush()  # the lock_version check: a moved row fails here
            audit.record("process.terminate", f"instance {instance.id}", {
                "process": instance.version.definition.key, "version": instance.version.number}, actor=actor)
            return instance
        except StaleDataError:
            db.session.rollback()
    raise Conflict("The process moved on meanwhile; reload and try again")


def terminate_tree(instance: ProcessInstance, actor: Actor | None, message: str) -> None:
    """Terminate an instance and its active children (no access check; the caller commits)."""
    from engine.calls import active_children

    now = utcnow()
    instance.status = InstanceStatus.TERMINATED
    instance.completed_at = now
    for row in db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.OPEN)):
        row.state, row.completed_at = HumanTaskState.CANCELLED, now
    db.session.execute(delete(EngineTimer).where(
        EngineTimer.instance_id == instance.id, EngineTimer.fired_at.is_(None)))
    db.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    from engine.history import close_open

    close_open(instance.id)
    _log(instance, "terminated", actor, message)
    resolve_open(instance, actor, "the instance was terminated")
    for child in active_children(instance):
        terminate_tree(child, actor, f"Terminated with its calling instance #{instance.id}")


def instance_to_dict(instance: ProcessInstance) -> dict:
    """An instance as the API lists it."""
    version = instance.version
    return {
        "id": instance.id, "key": version.definition.key, "version": version.number,
        "name": version.name, "status": instance.status, "entity": instance.entity,
        "entity_id": instance.entity_id, "start_event_id": instance.start_event_id,
        "started_by_id": instance.started_by_id, "on_behalf_of_id": instance.on_behalf_of_id,
        "depth": instance.depth, "business_key": instance.business_key,
        "error_element": instance.error_element,
        "error_message": instance.error_message, "created_at": _iso(instance.created_at),
        "updated_at": _iso(instance.updated_at), "completed_at": _iso(instance.completed_at),
        "parent_instance_id": instance.parent_instance_id, "parent_element_id": instance.parent_element_id,
    }


def instance_detail(instance: ProcessInstance, *, actor: Actor) -> dict:
    """The instance with its log, variables, current elements, human tasks and task states."""
    from engine.inbox_view import tasks_to_dicts

    wf = spiff.load(instance)
    states = spiff.task_states(wf)
    events = db.session.scalars(select(InstanceEvent).where(
        InstanceEvent.instance_id == instance.id).order_by(InstanceEvent.id))
    tasks = list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id).order_by(HumanTask.id)))
    from engine.calls import links

    return {
        **instance_to_dict(instance),
        **links(instance),
        "variables": spiff.variables(wf),
        "current_elements": spiff.current_elements(wf, states),
        "task_states": states,
        "human_tasks": tasks_to_dicts(tasks, actor=actor),
        "timers": [{"element_id": t.element_id, "due_at": _iso(t.due_at),
                    "fired_at": _iso(t.fired_at)} for t in db.session.scalars(
            select(EngineTimer).where(EngineTimer.instance_id == instance.id))],
        "retries": [{**r, "due_at": _iso(r["due_at"])} for r in spiff.pending_retries(wf)],
        "log": [event_to_dict(e) for e in events],
    }


def event_to_dict(entry: InstanceEvent) -> dict:
    """A log entry as the API shows it."""
    return {"id": entry.id, "kind": entry.kind, "element_id": entry.element_id,
            "actor_id": entry.actor_id, "on_behalf_of_id": entry.on_behalf_of_id,
            "message": entry.message, "data": entry.data, "created_at": _iso(entry.created_at)}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat() + "Z"
