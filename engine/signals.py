"""Signals (Camunda 7): one throw reaches every waiting catch in every instance and starts
every active process with a signal start event of that name.

Thrown by a diagram, it is broadcast inside the thrower's step (one transaction, so a
failed step broadcasts nothing); sent through the API, it reaches the instances the sender
may read. Processes started by a thrown signal count as nested (the depth limit applies),
so a process that signals itself into existence stops at the limit.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from engine import spiff_adapter as spiff
from engine.messages import deliver, start_by_event, start_versions, waiting_instances
from engine.models import InstanceEvent, ProcessInstance
from errors import ValidationError
from extensions import db
from org.actors import Actor, actor_user

log = logging.getLogger(__name__)


def _reach_waiting(name: str, variables: dict, actor_id: int | None, skip: int | None,
                   readable: Any = None) -> list[int]:
    """Deliver the signal to each waiting instance (but `skip`); returns those that caught it."""
    reached = []
    for instance in waiting_instances(name, "signal"):
        if instance.id == skip or (readable is not None and not readable(instance)):
            continue
        if deliver(instance, spiff.load(instance), name, "signal", variables, actor_id=actor_id):
            reached.append(instance.id)
    return reached


def _start(name: str, variables: dict, actor_id: int | None, depth: int) -> list[int]:
    """Start every active version with a signal start event `name`."""
    started = []
    for version in start_versions(name, "signal"):
        instance = start_by_event(version, name, "signal", variables, initiator=actor_id, depth=depth)
        if instance is not None:
            started.append(instance.id)
    return started


def broadcast_thrown(instance: ProcessInstance, signals: list[dict]) -> None:
    """Broadcast the signals an instance threw in its step (its own catches already have them)."""
    variables = {}
    limit = current_app.config.get("ENGINE_MAX_DEPTH", 5)
    for signal in signals:
        name = signal["name"]
        reached = _reach_waiting(name, variables, instance.started_by_id, instance.id)
        started = []
        if instance.depth + 1 < limit:
            started = _start(name, variables, instance.started_by_id, instance.depth + 1)
        elif start_versions(name, "signal"):
            log.warning("signal %s of instance %s started nothing: depth limit %s", name, instance.id, limit)
        db.session.add(InstanceEvent(
            instance_id=instance.id, kind="signal", element_id=signal.get("element_id"),
            message=f"Threw signal {name}: {len(reached)} waiting instance(s) reached, "
                    f"{len(started)} started",
            data={"reached": reached, "started": started}))


def send_signal(name: Any, variables: Any = None, *, actor: Actor) -> dict:
    """Broadcast a signal from outside: instances the actor may read, and signal starts."""
    from engine.instances import may_read
    from engine.triggers import clean_variables

    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValidationError.from_fields({"name": "Name the signal (at most 100 characters)"})
    if variables is not None and not isinstance(variables, dict):
        raise ValidationError.from_fields({"variables": "Expected an object of variables"})
    variables = clean_variables(variables or {})
    user = actor_user(actor)
    reached = _reach_waiting(name, variables, user.id, None, lambda i: may_read(i, actor))
    started = _start(name, variables, user.id, getattr(actor, "depth", 0))
    return {"signal": name, "reached": len(reached) + len(started),
            "instances": reached, "started": started}
