"""Messages thrown by a diagram (intermediate throw, message end event, send task).

Camunda 7 correlates a message to exactly one receiver, so unlike a signal a thrown message
goes to ONE place: the oldest other instance waiting for it (catch event, receive task,
boundary event, event subprocess), else one new instance through a message start event.
It is delivered inside the thrower's step (one transaction: a failed step sends nothing),
with no variables, and the thrower's log says who received it, or that nobody did (where
Camunda's API would raise MismatchingMessageCorrelationException). Instances started by a
thrown message count as nested, so processes that message each other into existence stop
at ENGINE_MAX_DEPTH.
"""
from __future__ import annotations

import logging

from flask import current_app

from engine import spiff_adapter as spiff
from engine.messages import deliver, is_record_message, start_by_event, start_versions, waiting_instances
from engine.models import InstanceEvent, ProcessInstance
from extensions import db

log = logging.getLogger(__name__)


def _reach_one(instance: ProcessInstance, name: str) -> ProcessInstance | None:
    """Hand the message to the oldest other waiting instance that catches it."""
    for waiting in waiting_instances(name, "message"):
        if waiting.id == instance.id:
            continue
        if deliver(waiting, spiff.load(waiting), name, "message", {}, actor_id=instance.started_by_id):
            return waiting
    return None


def _start_one(instance: ProcessInstance, name: str) -> tuple[ProcessInstance | None, str | None]:
    """Start one instance through a message start event `name`; (instance, why not)."""
    versions = start_versions(name, "message")
    if not versions:
        return None, None
    limit = current_app.config.get("ENGINE_MAX_DEPTH", 5)
    if instance.depth + 1 >= limit:
        log.warning("message %s of instance %s started nothing: depth limit %s", name, instance.id, limit)
        return None, f"the nested depth limit ({limit}) was reached"
    started = start_by_event(versions[0], name, "message", {}, initiator=instance.started_by_id,
                             depth=instance.depth + 1)
    return started, None


def _outcome(instance: ProcessInstance, name: str) -> tuple[str, dict]:
    """Deliver one thrown message; (log line, data) for the thrower's log."""
    if is_record_message(name):
        return (f"Threw message {name}: nobody received it (record events come from the CRM only)",
                {"received_by": None})
    reached = _reach_one(instance, name)
    if reached is not None:
        return (f"Threw message {name}: received by waiting instance #{reached.id}",
                {"received_by": reached.id, "started": None})
    started, why = _start_one(instance, name)
    if started is not None:
        return (f"Threw message {name}: started instance #{started.id}",
                {"received_by": None, "started": started.id})
    reason = why or "no other instance waits for it and no process has a message start event of that name"
    return f"Threw message {name}: nobody received it ({reason})", {"received_by": None, "started": None}


def deliver_thrown(instance: ProcessInstance, messages: list[dict]) -> None:
    """Deliver each message the instance threw in its step and log who received it."""
    for message in messages:
        text, data = _outcome(instance, message["name"])
        db.session.add(InstanceEvent(instance_id=instance.id, kind="message",
                                     element_id=message.get("element_id"), message=text, data=data))
