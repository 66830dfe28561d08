"""The engine's outbox consumer: wake the instances waiting for a record event, then start
the processes it triggers. It sits above engine.triggers and engine.runtime, which know
nothing of each other's callers."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, delete, or_, select

from crm.event_types import GENERIC_CHANGES, GENERIC_ENTITY, waitable_types
from crm.events import OutboxEvent, register_consumer, run_after_relay
from crm.outbox_hints import claim_hint, claimed_column, register_hint
from crm.relay_path import on_fast_path
from engine import spiff_adapter as spiff
from engine import trigger_versions
from engine.models import InstanceEvent, MessageWait, ProcessInstance
from engine.runtime import RUN_TASK, schedule_run
from engine.states import InstanceStatus
from engine.triggers import load_record_dict, pending_waits, start_triggered
from extensions import db

CONSUMER = "engine"
WAITS_HINT = "engine.waits"


def register() -> None:
    """Register the "engine" consumer with the outbox relay (called at app start): the events a
    process can wait for (those it can start on are among them); and the "webhooks" consumer."""
    from engine.webhooks.delivery import register as register_webhooks

    register_consumer(CONSUMER, on_event, types=waitable_types())
    register_hint(WAITS_HINT, waits_exist())
    trigger_versions.register()  # start_triggered's versions, revalidated by each claim
    run_after_relay(RUN_TASK)  # the relaying worker steps the instances it started or woke
    register_webhooks()


def waits_exist() -> ColumnElement[bool]:
    """The claim's hint: a wait on the event's record may take it (its type, or any generic name:
    a superset of `pending_waits`). False for most events (a new record has none): no query."""
    generic = [f"{GENERIC_ENTITY}.{change}" for change in GENERIC_CHANGES]
    return select(MessageWait.id).where(
        or_(MessageWait.message_name == claimed_column("type"), MessageWait.message_name.in_(generic)),
        MessageWait.entity == claimed_column("entity"),
        MessageWait.entity_id == claimed_column("entity_id")).exists()


def on_event(event: OutboxEvent) -> None:
    """Wake instances waiting for this event, then start the processes it triggers (on the
    relay's fast path, where allowed, each run to its first wait state right here)."""
    deliver_to_waits(event)
    start_triggered(event, step=on_fast_path() and first_steps_in_relay())


def first_steps_in_relay() -> bool:
    """`ENGINE_FIRST_STEP_IN_RELAY`, by default on PostgreSQL only: on SQLite the relay holds the
    database's one write lock, which the step's scripts would then hold too."""
    setting = current_app.config.get("ENGINE_FIRST_STEP_IN_RELAY")
    return db.engine.dialect.name == "postgresql" if setting is None else bool(setting)


def deliver_to_waits(event_row: Any) -> list[int]:
    """Hand a record event to instances waiting for it (inside the consumer's transaction).

    The catch event's `condition` property sees the record as it is now (`record`) and the
    event (`event`: type, changes). A process's own changes never wake itself.
    """
    woken: list[int] = []
    record = None
    if not claim_hint(event_row, WAITS_HINT):
        return woken
    for wait in pending_waits(event_row):
        if wait.instance_id == event_row.origin_instance_id or wait.instance_id in woken:
            continue
        instance = db.session.get(ProcessInstance, wait.instance_id)
        if instance is None or instance.status != InstanceStatus.WAITING:
            continue
        if record is None:
            record = load_record_dict(event_row.entity, event_row.entity_id) or {}
        payload = {"type": event_row.type, "changes": event_row.changes,
                   "event_id": event_row.event_id, "entity": event_row.entity,
                   "entity_id": event_row.entity_id}
        wf = spiff.load(instance)
        caught = spiff.deliver_message(wf, wait.message_name, payload, {"record": record})
        if not caught:
            continue
        instance.state = spiff.dump(wf)
        instance.status = InstanceStatus.RUNNING
        db.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
        db.session.add(InstanceEvent(
            instance_id=instance.id, kind="message", element_id=caught[0],
            actor_id=event_row.actor_id, message=f"Received {wait.message_name}",
            data={"event_id": event_row.event_id, "changes": event_row.changes}))
        schedule_run(instance.id)
        woken.append(instance.id)
    return woken
