"""Advance process instances: one step (wait state to wait state) per transaction.

A step loads the instance's state onto its version's spec, runs the engine, and stores the
new state, human tasks, timers, message waits and log in one unit of work (transactions.py). `lock_version`
(SQLAlchemy's version counter) makes the second of two concurrent steps fail with
StaleDataError: workers drop that step (the winner already moved on), the API answers 409.
A worker that dies mid-step commits nothing, so the instance stays where it was and the
step runs again (activities find their earlier result in activity_run).
"""
from __future__ import annotations

import logging
import traceback
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

import dbretry
from crm.event_types import GENERIC_ENTITY
from engine import spiff_adapter as spiff
from engine import spiff_external
from engine.messages import is_record_message
from engine.models import (
    EngineTimer,
    HumanTask,
    InstanceEvent,
    MessageWait,
    ProcessInstance,
)
from engine.states import HumanTaskState, InstanceStatus
from errors import Conflict
from extensions import db
from org.actors import Actor, actor_user
from org.models import utcnow
from transactions import enqueue_after_commit, unit_of_work

log = logging.getLogger(__name__)


# ---- scheduling: enqueue after commit, never before -------------------------------------

RUN_TASK = "engine.run_instance"


def schedule_run(instance_id: int) -> None:
    """Ask a worker to run the instance once the outermost transaction commits."""
    enqueue_after_commit(RUN_TASK, instance_id)


# ---- steps ------------------------------------------------------------------------------

def run_instance(instance_id: int) -> str | None:
    """Advance a running instance to its next wait state (one unit of work); returns its new status."""
    try:
        with unit_of_work():
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None or instance.status != InstanceStatus.RUNNING:
                return None if instance is None else instance.status
            _advance_and_store(instance, spiff.load(instance))
            status = instance.status
    except StaleDataError:
        log.info("instance %s was advanced by another worker", instance_id)
        return None
    except Exception as exc:
        if dbretry.is_transient(exc):  # the database, not the process: the task retries the step
            raise
        # a defect outside any task: keep the state, record the error (an incident)
        log.exception("instance %s failed", instance_id)
        return _mark_failed(instance_id, None, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    return status


def _advance_and_store(instance: ProcessInstance, wf: Any, completed: tuple[str, ...] = ()) -> None:
    """Run the engine to the next wait state and write everything it produced."""
    result = spiff.advance(wf, _service_handler(instance), spiff.limits(current_app.config))
    from engine.calls import after_advance

    after_advance(instance, wf, result)  # call activities: start children, resume the caller
    instance.state = spiff.dump(wf)
    _set_status(instance, result)  # before the queries below autoflush: one UPDATE per step
    from engine.history import record_step

    record_step(instance, wf, result)
    variables = spiff.variables(wf)
    for entry in result.log:
        db.session.add(InstanceEvent(instance_id=instance.id, **entry))
    _sync_tasks(instance, result, variables, completed)
    from engine.external_tasks import sync_external_tasks

    sync_external_tasks(instance, result.external_tasks, variables)
    _sync_timers(instance, result.timers)
    _sync_waits(instance, result.messages, variables)
    _log_status(instance, result)
    if result.signals:
        from engine.signals import broadcast_thrown

        broadcast_thrown(instance, result.signals)
    if result.sent:
        from engine.message_throws import deliver_thrown

        deliver_thrown(instance, result.sent)


def _service_handler(instance: ProcessInstance):
    """The callback the runner calls for a service task: the activities registry."""
    def handle(topic: str, params: dict, task_uuid: str, element_id: str) -> dict | None:
        """Run the topic's activity for this task."""
        from engine.activities import dispatch, make_context, topics
        from engine.decisions import DECISION_TOPIC, run_business_rule

        if topic == DECISION_TOPIC:  # a business rule task: the DMN decision, not an activity
            return run_business_rule(params)
        if topic not in topics():  # no activity serves it: an external worker will (engine.external_tasks)
            raise spiff_external.wait_for_worker()
        try:
            return dispatch(topic, params, make_context(instance, task_uuid, element_id))
        except Exception as exc:
            if dbretry.is_transient(exc):  # not the task's fault: the whole step is retried
                raise spiff.abort_step(f"{topic}: {type(exc).__name__}: {exc}") from exc
            raise

    return handle


def _sync_tasks(instance: ProcessInstance, result: Any, variables: dict,
                completed: tuple[str, ...]) -> None:
    from engine.inbox import sync_human_tasks

    sync_human_tasks(instance, result.user_tasks, variables, completed_uuids=completed)


def _set_status(instance: ProcessInstance, result: Any) -> None:
    if result.error is not None:
        instance.status = InstanceStatus.ERROR
        instance.error_element, instance.error_message = result.error
    elif result.retrying and result.retrying["due_at"] is None:  # no wake-up: the stale sweep
        instance.status = InstanceStatus.RUNNING  # runs it again later; a retry cycle's waits (a timer)
    elif result.completed:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = utcnow()
    elif result.more:  # the step's budget ran out: continue in a new step, after the others
        instance.status = InstanceStatus.RUNNING
        schedule_run(instance.id)
    else:
        instance.status = InstanceStatus.WAITING
    instance.updated_at = utcnow()


def _log_status(instance: ProcessInstance, result: Any) -> None:
    if result.error is not None:
        from engine.incidents import instance_failed

        db.session.add(InstanceEvent(instance_id=instance.id, kind="error",
                                     element_id=instance.error_element,
                                     message=instance.error_message))
        instance_failed(instance, result.error_details)
    elif result.retrying:
        retry = result.retrying
        due = retry["due_at"]
        when = f", next attempt at {due:%Y-%m-%d %H:%M:%S} UTC" if due else ""
        message = f"{retry['message']} ({retry['retries_left']} retries left{when})"
        db.session.add(InstanceEvent(instance_id=instance.id, kind="retrying", element_id=retry["element_id"],
                                     message=message,
                                     data={"retries_left": retry["retries_left"],
                                           "due_at": due.isoformat() + "Z" if due else None}))
    elif result.completed:
        db.session.add(InstanceEvent(instance_id=instance.id, kind="completed",
                                     message="The process completed"))


def _sync_timers(instance: ProcessInstance, timers: list[dict]) -> None:
    """Keep one unfired row per waiting timer; rows whose timer is gone are fired or cancelled."""
    now = utcnow()
    rows = {t.task_uuid: t for t in db.session.scalars(select(EngineTimer).where(
        EngineTimer.instance_id == instance.id, EngineTimer.fired_at.is_(None)))}
    waiting = {str(t["task_uuid"]): t for t in timers}
    for uuid, row in rows.items():
        if uuid not in waiting:
            if row.due_at <= now:
                row.fired_at = now
            else:
                db.session.delete(row)
    for uuid, timer in waiting.items():
        row = rows.get(uuid)
        if row is None:
            db.session.add(EngineTimer(instance_id=instance.id, element_id=timer["element_id"],
                                       task_uuid=uuid, due_at=timer["due_at"]))
        elif row.due_at != timer["due_at"]:
            row.due_at = timer["due_at"]


def _sync_waits(instance: ProcessInstance, messages: list[dict], variables: dict) -> None:
    """One message_wait row per record-event message the instance waits for."""
    db.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    for msg in messages:
        entity, _, _action = msg["name"].partition(".")
        if msg["name"] in spiff.RECORD_MESSAGES or entity == GENERIC_ENTITY:
            entity = instance.entity  # email.received, record.deleted: about its own record
        entity_id = instance.entity_id if entity == instance.entity else variables.get(f"{entity}_id")
        if not is_record_message(msg["name"]) or msg.get("kind", "message") != "message":
            entity = entity_id = None  # a named message or a signal: not about a record
        db.session.add(MessageWait(
            instance_id=instance.id, element_id=msg["element_id"], message_name=msg["name"][:100],
            entity=entity, entity_id=entity_id if isinstance(entity_id, int) else None,
            condition=msg.get("condition"), kind=msg.get("kind", "message")))


def _mark_failed(instance_id: int, element_id: str | None, message: str,
                 details: str | None = None) -> str | None:
    """Record an error on an instance in a fresh unit of work, its state untouched."""
    try:
        with unit_of_work():
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None:
                return None
            instance.status = InstanceStatus.ERROR
            instance.error_element, instance.error_message = element_id, message[:4000]
            db.session.add(InstanceEvent(instance_id=instance_id, kind="error", element_id=element_id,
                                         message=instance.error_message))
            from engine.incidents import instance_failed

            instance_failed(instance, details)
    except StaleDataError:
        return None
    return InstanceStatus.ERROR


def _load_for_change(instance_id: int) -> ProcessInstance:
    from errors import NotFound

    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"No process instance {instance_id}")
    return instance


def complete_user_task(instance_id: int, task_uuid: str, data: dict, *, actor: Actor) -> ProcessInstance:
    """Complete an open user task with (checked) form data and run on to the next wait state.

    In the caller's transaction; a concurrent step of the same instance -> Conflict (409).
    """
    instance = _load_for_change(instance_id)
    if instance.status != InstanceStatus.WAITING:
        raise Conflict(f"The process is {instance.status}, not waiting for this task")
    user = actor_user(actor)
    try:
        wf = spiff.load(instance)
        try:
            element_id = spiff.complete_user_task(wf, task_uuid, data)
        except spiff.TaskNotOpen as exc:
            raise Conflict(str(exc)) from None
        db.session.add(InstanceEvent(
            instance_id=instance.id, kind="task_completed", element_id=element_id, actor_id=user.id,
            on_behalf_of_id=user.id, message=f"{user.full_name} completed {element_id}",
            data={"task_uuid": task_uuid, "data": data}))
        instance.status = InstanceStatus.RUNNING
        _advance_and_store(instance, wf, completed=(str(task_uuid),))
        from engine.history import note_form_data

        note_form_data(instance.id, str(task_uuid), data)
        db.session.flush()  # the lock_version check: a concurrent step fails here, not at commit
    except StaleDataError:
        raise Conflict("The process moved on meanwhile; reload and try again") from None
    return instance


def run_on(instance: ProcessInstance, wf: Any) -> None:
    """Advance a loaded instance whose workflow the caller changed and store the step (caller commits)."""
    instance.status = InstanceStatus.RUNNING
    try:
        _advance_and_store(instance, wf)
        db.session.flush()  # the lock_version check: a concurrent step fails here, not at commit
    except StaleDataError:
        raise Conflict("The process moved on meanwhile; reload and try again") from None


def flush_or_conflict() -> None:
    """Flush (the lock_version check); a concurrent change of the same instance answers 409."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("The process moved on meanwhile; reload and try again") from None


# ---- timers -----------------------------------------------------------------------------

def due_timer_instances(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of waiting instances with a timer due."""
    query = (select(EngineTimer.instance_id).join(ProcessInstance)
             .where(EngineTimer.fired_at.is_(None), EngineTimer.due_at <= (now or utcnow()),
                    ProcessInstance.status == InstanceStatus.WAITING)
             .group_by(EngineTimer.instance_id).order_by(EngineTimer.instance_id).limit(limit))
    return list(db.session.scalars(query))


def fire_timers(instance_id: int, now: datetime | None = None) -> str | None:
    """Fire the instance's due timers and run on (one unit of work); safe to call twice."""
    try:
        with unit_of_work():
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None or instance.status != InstanceStatus.WAITING:
                return None
            wf = spiff.load(instance)
            fired = spiff.fire_due_timers(wf, now or utcnow())
            if fired:
                db.session.add(InstanceEvent(instance_id=instance.id, kind="timer",
                                             message="Timer fired: " + ", ".join(fired)))
            instance.status = InstanceStatus.RUNNING
            _advance_and_store(instance, wf)
            status = instance.status
    except StaleDataError:
        return None
    return status


# ---- the synchronous driver (tests, benchmarks, the embedded CLI) ------------------------

def run_pending(max_rounds: int = 50, now: datetime | None = None) -> int:
    """Relay outbox events, run every running instance and fire due timers until quiet."""
    from crm.events import relay_pending

    steps = 0
    for _ in range(max_rounds):
        moved = relay_pending(500)
        ids = list(db.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.status == InstanceStatus.RUNNING).order_by(ProcessInstance.id)))
        for instance_id in ids:
            run_instance(instance_id)
        for instance_id in due_timer_instances(now):
            fire_timers(instance_id, now)
            moved += 1
        moved += _fire_timer_starts(now)
        steps += len(ids)
        if not moved and not ids:
            break
    return steps


def _fire_timer_starts(now: datetime | None) -> int:
    from engine.timer_starts import fire_due_timer_starts

    return fire_due_timer_starts(now)


def stale_running(older_than: datetime, limit: int = 200) -> list[int]:
    """Running instances not touched since `older_than` (a lost kick or a killed worker)."""
    return list(db.session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.updated_at < older_than)
        .order_by(ProcessInstance.id).limit(limit)))


def open_task_uuids(instance_id: int) -> list[str]:
    """Task uuids of the instance's open human tasks."""
    return list(db.session.scalars(select(HumanTask.task_uuid).where(
        HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.OPEN)))
