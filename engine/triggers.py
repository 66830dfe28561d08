"""Starting processes: on record events (the triggers of active versions) and by hand."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Insert, Select, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

from crm.entities import REGISTRY, names
from crm.event_types import wait_names
from crm.events import OutboxEvent
from crm.serialize import shared_get
from crm.services.pipelines import stage_process_allows
from engine import spiff_adapter as spiff
from engine import step_rows
from engine.deploy import get_definition, get_version, latest_version
from engine.models import (
    InstanceEvent,
    MessageWait,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)
from engine.runtime import run_started, schedule_run
from engine.spiff.data import DataError, clean_mapping
from engine.spiff.expressions import evaluate_condition
from engine.spiff.sandbox import Record, SandboxError
from engine.spiff_adapter import NotStartable
from engine.starters import initiator_variables, require_starter
from engine.states import InstanceStatus
from engine.trigger_versions import loaded_version, versions_for
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user

log = logging.getLogger(__name__)
RESERVED_VARIABLES = ("record", "event", "initiator")


def active_versions() -> list[ProcessVersion]:
    """The newest version of every active process."""
    return list(db.session.scalars(_active_versions_query()))


@cache  # the statement, not its rows: built once (every relayed event asks)
def _active_versions_query() -> Select:
    newest = (select(ProcessVersion.definition_id, db.func.max(ProcessVersion.number).label("n"))
              .group_by(ProcessVersion.definition_id).subquery())
    query = (select(ProcessVersion)
             .join(newest, (newest.c.definition_id == ProcessVersion.definition_id)
                   & (newest.c.n == ProcessVersion.number))
             .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id)
             .where(ProcessDefinition.active.is_(True))
             .options(contains_eager(ProcessVersion.definition)))  # callers read each one's definition
    return query


def start_triggered(event: OutboxEvent, *, step: bool = False) -> list[int]:
    """Start one instance per matching active version (their ids); redelivery starts nothing new.

    `step`: run each to its first wait state here, in the caller's transaction (the relay's fast
    path, engine.runtime.run_started), instead of in a unit of work of its own after the commit."""
    started = []
    record: dict | None = None
    versions = versions_for(event)  # cached while the claim's fingerprint says they are current
    for version in active_versions() if versions is None else versions:
        for trigger in version.triggers:
            if trigger.get("message") != event.type or not _fields_match(trigger, event):
                continue
            if trigger.get("entity") and trigger["entity"] != event.entity:
                continue  # email.received narrowed to one record type
            if record is None:
                record = load_record_dict(event.entity, event.entity_id)
                if record is None:
                    log.info("event %s: %s %s is gone", event.event_id, event.entity, event.entity_id)
                    return started
            if not condition_holds(trigger.get("condition"), record, version, trigger):
                continue
            if event.entity == "deal" and not stage_process_allows(version.definition.key,
                                                                   record.get("pipeline_id")):
                break  # another pipeline's stage process (crm/services/pipelines.py)
            if _refused(event, version):
                break
            instance = _start(  # the id alone when not stepped here: no ORM object to build
                _insert_instance if step else _insert_instance_id,
                loaded_version(version) if step else version, event.entity,
                event.entity_id, record=record, start_message=event.type, initiator=event.actor_id,
                start_event_id=event.event_id, element_id=trigger.get("element_id"),
                event={"type": event.type, "changes": event.changes, "event_id": event.event_id},
                depth=event.depth, then=run_started if step else None)
            if instance is not None:
                started.append(instance if isinstance(instance, int) else instance.id)
            break  # one instance per (event, version)
    return started


def _fields_match(trigger: dict, event: OutboxEvent) -> bool:
    fields = trigger.get("fields")
    if not fields or trigger.get("action") != "updated":
        return True
    return any(name in (event.changes or {}) for name in fields)


def condition_holds(condition: str | None, record: dict, version: ProcessVersion | None = None,
                    trigger: dict | None = None, extra: dict | None = None) -> bool:
    """Evaluate a trigger/wait condition over `record` (JUEL, or bare Python); errors count as False."""
    if not condition or not condition.strip():
        return True
    try:
        return evaluate_condition(condition, {"record": Record(record), **(extra or {})})
    except SandboxError as exc:
        where = f"{version.definition.key} v{version.number}" if version else "wait"
        log.warning("condition %r of %s failed: %s", condition, where, exc.message)
        return False


def _refused(event: OutboxEvent, version: ProcessVersion) -> bool:
    """The loop guard and the depth limit; both leave a log entry."""
    if event.origin_instance_id is None:
        return False
    origin = db.session.get(ProcessInstance, event.origin_instance_id)
    if origin is None:
        return False
    if (origin.version.definition_id == version.definition_id and origin.entity == event.entity
            and origin.entity_id == event.entity_id):
        log.debug("loop guard: %s not restarted by its own change", version.definition.key)
        return True
    limit = current_app.config.get("ENGINE_MAX_DEPTH", 5)
    if event.depth >= limit:
        message = (f"Process {version.definition.key!r} was not started on {event.entity} "
                   f"{event.entity_id}: the chain of triggered processes reached the depth "
                   f"limit of {limit}")
        log.warning("%s (event %s)", message, event.event_id)
        db.session.add(InstanceEvent(
            instance_id=origin.id, kind="depth_limit", actor_id=event.actor_id, message=message,
            data={"event_id": event.event_id, "process": version.definition.key,
                  "depth": event.depth, "limit": limit}))
        return True
    return False


def start_instance(version: ProcessVersion, entity: str | None, entity_id: int | None, *,
                   record: dict | None, start_message: str | None, event: dict | None,
                   initiator: int | None, start_event_id: str | None = None, depth: int = 0,
                   variables: dict | None = None, element_id: str | None = None,
                   start_kind: str = "message", business_key: str | None = None,
                   ) -> ProcessInstance | None:
    """Create an instance ready to run (in the caller's transaction); None if already started."""
    return _start(_insert_instance, version, entity, entity_id, record=record, start_message=start_message,
                  event=event, initiator=initiator, start_event_id=start_event_id, depth=depth,
                  variables=variables, element_id=element_id, start_kind=start_kind,
                  business_key=business_key)


def _start(insert: Callable[[dict], Any], version: ProcessVersion, entity: str | None,
           entity_id: int | None, *, record: dict | None, start_message: str | None, event: dict | None,
           initiator: int | None, start_event_id: str | None = None, depth: int = 0,
           variables: dict | None = None, element_id: str | None = None, start_kind: str = "message",
           business_key: str | None = None,
           then: Callable[[ProcessInstance, dict], None] | None = None) -> Any:
    """`start_instance` with `insert` writing the row: an instance, or its id; None if started before.

    `then(instance, started)`: instead of logging `started` and scheduling the first step."""
    data = {**(variables or {}), "record": record, "event": event, "initiator": initiator}
    if initiator is not None:  # camunda:initiator="starter": the starter's id in `starter` too
        for name in initiator_variables(version):
            data.setdefault(name, initiator)
    state = spiff.new_state(version, data, start_message, start_kind)
    instance = insert(dict(
        version_id=version.id, status=InstanceStatus.RUNNING, entity=entity, entity_id=entity_id,
        start_event_id=start_event_id, state=state, started_by_id=initiator,
        on_behalf_of_id=initiator, depth=depth, business_key=business_key))
    if instance is None:
        log.info("event %s already started %s", start_event_id, version.definition.key)
        return None
    started = {
        "kind": "started", "element_id": element_id, "actor_id": initiator, "on_behalf_of_id": initiator,
        "message": f"Started {version.process_id} v{version.number}"
                   + (f" by {start_message}" if start_message else " manually"),
        "data": {"event_id": start_event_id} if start_event_id else None}
    if then is not None:
        then(instance, started)
        return instance
    instance_id = instance if isinstance(instance, int) else instance.id
    step_rows.write_events(instance_id, [started])
    schedule_run(instance_id)
    return instance


def _insert_instance(values: dict) -> ProcessInstance | None:
    """INSERT the instance row, None when (version, start event) already started one: redelivery.

    ON CONFLICT DO NOTHING instead of a savepoint around a flush (two statements fewer); the
    row comes back through RETURNING as a persistent object, lock_version 1 as a flush sets it.
    """
    return db.session.scalars(_insert_instance_statement(db.engine.dialect.name), [values]).first()


def _insert_instance_id(values: dict) -> int | None:
    """`_insert_instance` for a caller that needs the id alone (a Core INSERT: no ORM object built)."""
    return db.session.scalars(_insert_instance_id_statement(db.engine.dialect.name), [values]).first()


@cache
def _insert_instance_id_statement(dialect: str) -> Insert:
    table = ProcessInstance.__table__
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(table).on_conflict_do_nothing().returning(table.c.id)


@cache  # the statement, not its rows: built once per dialect
def _insert_instance_statement(dialect: str) -> Insert:
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(ProcessInstance).on_conflict_do_nothing().returning(ProcessInstance)


def load_record_dict(entity: str | None, entity_id: int | None) -> dict | None:
    """The record's fields as JSON-clean data, or None if it no longer exists."""
    if entity is None or entity_id is None:
        return None
    spec = REGISTRY.get(entity)
    record = shared_get(spec.model, entity_id) if spec else None
    return None if record is None else spec.hook("data")(record)


def start_manually(key: str, entity: str, record_id: Any, variables: Any, *,
                   actor: Actor, business_key: Any = None) -> ProcessInstance:
    """Start the newest version of an active process on a record the actor can read."""
    errors = {}
    if not isinstance(entity, str) or not entity:
        errors["entity"] = f"Name a record type ({names()})"
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        errors["id"] = "Expected the record's id (a number)"
    if variables is not None and not isinstance(variables, dict):
        errors["variables"] = "Expected an object of variables"
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > 255):
        errors["business_key"] = "Expected a string of at most 255 characters"
    if errors:
        raise ValidationError.from_fields(errors)
    variables = clean_variables(variables or {})
    require_readable(entity, record_id, actor)
    definition = get_definition(key)
    version = latest_version(definition)
    if not definition.active or version is None:
        raise ValidationError.from_fields({"key": f"Process {key!r} is not active"})
    require_starter(version, actor)
    user = actor_user(actor)
    message = next((t["message"] for t in version.triggers if t.get("entity") == entity), None)
    try:
        instance = start_instance(
            version, entity, record_id, record=load_record_dict(entity, record_id),
            start_message=message, event={"type": "manual", "changes": {}}, initiator=user.id,
            variables=variables, depth=getattr(actor, "depth", 0), business_key=business_key)
    except NotStartable:
        starts = ", ".join(t["message"] for t in version.triggers) or "a message"
        raise ValidationError.from_fields({"entity": (
            f"Process {key!r} starts on {starts}; it cannot be started by hand on a {entity}")}) from None
    db.session.flush()
    return instance


def start_by_key(key: str, variables: Any, *, actor: Actor, business_key: Any = None,
                 number: int | None = None) -> ProcessInstance:
    """Start the newest version (or version `number`) with no record, as Camunda's start by key or
    id, and run it to its first wait state."""
    from engine.runtime import run_on

    if variables is not None and not isinstance(variables, dict):
        raise ValidationError.from_fields({"variables": "Expected an object of variables"})
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > 255):
        raise ValidationError.from_fields({"businessKey": "Expected a string of at most 255 characters"})
    definition = get_definition(key)
    version = get_version(key, number) if number is not None else latest_version(definition)
    if not definition.active or definition.archived_at or version is None:
        raise ValidationError.from_fields({"key": f"Process {key!r} is not active"})
    require_starter(version, actor)
    user = actor_user(actor)
    try:
        instance = start_instance(
            version, None, None, record=None, start_message=None, event={"type": "manual", "changes": {}},
            initiator=user.id, variables=clean_variables(variables or {}), business_key=business_key)
    except NotStartable:
        raise ValidationError.from_fields({"key": f"Process {key!r} starts only on an event"}) from None
    run_on(instance, spiff.load(instance))  # as Camunda: synchronously to the first wait state
    return instance


def clean_variables(variables: dict) -> dict:
    """Variables given to a start, message or signal: JSON values under names that are not reserved."""
    bad = [name for name in variables if name in RESERVED_VARIABLES or str(name).startswith("_")]
    if bad:
        raise ValidationError.from_fields(
            {"variables": f"Reserved or invalid variable name(s): {', '.join(map(str, bad))}"})
    try:
        return clean_mapping(variables)
    except DataError as exc:
        raise ValidationError.from_fields({"variables": str(exc)}) from None


def require_readable(entity: str, record_id: int, actor: Actor) -> None:
    """The actor must be able to read the record the process will be about."""
    if entity not in REGISTRY:
        raise ValidationError.from_fields({"entity": f"Unknown record type {entity!r}"})
    try:
        REGISTRY[entity].hook("get")(record_id, actor=actor)
    except NotFound as exc:
        raise NotFound(exc.message) from None


def pending_waits(event: OutboxEvent) -> list[MessageWait]:
    """The message waits this event may satisfy (its type or generic name, and its record)."""
    return list(db.session.scalars(_pending_waits_query(), {
        "names": list(wait_names(event.type)), "entity": event.entity, "entity_id": event.entity_id}))


@cache  # the statement, not its rows: every relayed event asks, building it cost about 0.3 ms
def _pending_waits_query() -> Select:
    return (select(MessageWait)
            .where(MessageWait.message_name.in_(bindparam("names", expanding=True)),
                   MessageWait.entity == bindparam("entity"), MessageWait.entity_id == bindparam("entity_id"))
            .order_by(MessageWait.id))
