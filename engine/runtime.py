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
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

import dbretry
from engine import spiff_adapter as spiff
from engine import spiff_external, step_rows
from engine.models import EngineTimer, HumanTask, InstanceEvent, ProcessInstance
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
            instance = _get_with_version(instance_id)
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


# Versions (id, diagram hash) whose first step reached an activity in the relay: a worker's.
_NOT_IN_RELAY: set[tuple[int, str]] = set()


def run_started(instance: ProcessInstance, started: dict) -> None:
    """Run an instance the relay just started to its first wait state in the relay's own
    transaction (its fast path: anything raising redoes the event carefully, where the step
    runs on its own): no unit of work, instance read or state restore of its own.

    A step that reaches a service task's activity (it may write rows or call out, and the
    relay's batch must not wait on the network) gives up before the activity runs and goes to
    a worker as before; its version is not tried in the relay again by this process.
    """
    deferred: dict[str, str] = {}
    version = (instance.version_id, instance.version.bpmn_sha256)
    if version not in _NOT_IN_RELAY:
        try:
            _advance_and_store(instance, spiff.load(instance), events=(started,), inline=deferred)
            return
        except Exception:
            if not deferred:
                raise
            _NOT_IN_RELAY.add(version)
    step_rows.write_events(instance.id, [started])
    schedule_run(instance.id)


def _advance_and_store(instance: ProcessInstance, wf: Any, completed: tuple[str, ...] = (),
                       events: tuple[dict, ...] = (), form: tuple[str, dict] | None = None, *,
                       inline: dict[str, str] | None = None) -> None:
    """Run the engine to the next wait state and write everything it produced.

    `events`: log entries of what led to the step (written first, in the step's batch);
    `form`: (task uuid, data) of the user task completed just before (its activation's variables);
    `inline`: the step runs in the relay (run_started): an activity gives it up, noted there.
    """
    result = spiff.advance(wf, _service_handler(instance, inline), spiff.limits(current_app.config))
    from engine.calls import after_advance

    called = after_advance(instance, wf, result)  # call activities: start children, resume the caller
    held = step_rows.held(wf)
    step_rows.note_kinds(wf, held, result)
    instance.state = spiff.dump(wf)
    _set_status(instance, result)
    # its one UPDATE per step, with the lock_version check; in the relay (`inline`), of the row
    # the relay inserted: it goes with the step's next statement
    step_rows.store_changes(instance, owned=inline is not None)
    from engine.history import record_step

    record_step(instance, wf, result, form)
    # the engine's run read them already: again only when a call task changed state since
    variables = spiff.variables(wf) if called else result.data
    status = _status_event(instance, result)
    late = status if status is not None and result.user_tasks else None  # after assignment notes
    step_rows.write_events(instance.id, [*events, *result.log, *([status] if status and not late else [])])
    _sync_waits(instance, result, variables, held, completed)
    if late is not None:
        step_rows.write_events(instance.id, [late])
    if result.error is not None:
        from engine.incidents import instance_failed

        instance_failed(instance, result.error_details)
    _broadcast(instance, result)


def _sync_waits(instance: ProcessInstance, result: Any, variables: dict, held: frozenset[str],
                completed: tuple[str, ...]) -> None:
    """Sync the wait rows of each kind the instance held before the step or holds after it."""
    from engine.external_tasks import sync_external_tasks
    from engine.inbox import sync_human_tasks
    from engine.spiff import wait_kinds as kinds

    if kinds.HUMAN in held or result.user_tasks:
        sync_human_tasks(instance, result.user_tasks, variables, completed_uuids=completed,
                         fresh=kinds.HUMAN not in held)
    if kinds.EXTERNAL in held or result.external_tasks:
        sync_external_tasks(instance, result.external_tasks, variables, fresh=kinds.EXTERNAL not in held)
    if kinds.TIMER in held or result.timers:
        step_rows.sync_timers(instance, result.timers, fresh=kinds.TIMER not in held)
    if kinds.MESSAGE in held or result.messages:
        step_rows.sync_waits(instance, result.messages, variables, fresh=kinds.MESSAGE not in held)


def _broadcast(instance: ProcessInstance, result: Any) -> None:
    """Signals and messages the step threw, to the other instances."""
    if result.signals:
        from engine.signals import broadcast_thrown

        broadcast_thrown(instance, result.signals)
    if result.sent:
        from engine.message_throws import deliver_thrown

        deliver_thrown(instance, result.sent)


def _service_handler(instance: ProcessInstance, inline: dict[str, str] | None = None):
    """The callback the runner calls for a service task: the activities registry."""
    def handle(topic: str, params: dict, task_uuid: str, element_id: str) -> dict | None:
        """Run the topic's activity for this task."""
        from engine.activities import dispatch, make_context, topics
        from engine.decisions import DECISION_TOPIC, run_business_rule

        if topic == DECISION_TOPIC:  # a business rule task: the DMN decision, not an activity
            return run_business_rule(params)
        if topic not in topics():  # no activity serves it: an external worker will (engine.external_tasks)
            raise spiff_external.wait_for_worker()
        if inline is not None:  # in the relay: the step goes to a worker before the activity runs
            inline["topic"] = topic
            raise spiff.abort_step(f"{topic}: the step runs in a worker")
        try:
            return dispatch(topic, params, make_context(instance, task_uuid, element_id))
        except Exception as exc:
            if dbretry.is_transient(exc):  # not the task's fault: the whole step is retried
                raise spiff.abort_step(f"{topic}: {type(exc).__name__}: {exc}") from exc
            raise

    return handle


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


def _status_event(instance: ProcessInstance, result: Any) -> dict | None:
    """The log entry of how the step ended: an error, a retry to come, the process completed."""
    if result.error is not None:
        return {"kind": "error", "element_id": instance.error_element, "message": instance.error_message}
    if result.retrying:
        retry = result.retrying
        due = retry["due_at"]
        when = f", next attempt at {due:%Y-%m-%d %H:%M:%S} UTC" if due else ""
        return {"kind": "retrying", "element_id": retry["element_id"],
                "message": f"{retry['message']} ({retry['retries_left']} retries left{when})",
                "data": {"retries_left": retry["retries_left"],
                         "due_at": due.isoformat() + "Z" if due else None}}
    if result.completed:
        return {"kind": "completed", "message": "The process completed"}
    return None


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


def _get_with_version(instance_id: int) -> ProcessInstance | None:
    """The instance and its version in one SELECT (the step needs both; the spec itself is cached).

    A statement built once: `session.get` with a loader option rebuilt the query and its cache
    key on every step. An instance the session holds already is taken as `get` would (no SELECT).
    """
    if db.session.identity_map.get(identity_key(ProcessInstance, instance_id)) is not None:
        return db.session.get(ProcessInstance, instance_id, options=[joinedload(ProcessInstance.version)])
    return db.session.execute(_instance_query(), {"instance_id": instance_id}).scalar_one_or_none()


@cache  # the statement, not its rows
def _instance_query() -> Select:
    return (select(ProcessInstance).options(joinedload(ProcessInstance.version))
            .where(ProcessInstance.id == bindparam("instance_id")))


def _load_for_change(instance_id: int) -> ProcessInstance:
    from errors import NotFound

    instance = _get_with_version(instance_id)
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
        done = {"kind": "task_completed", "element_id": element_id, "actor_id": user.id,
                "on_behalf_of_id": user.id, "message": f"{user.full_name} completed {element_id}",
                "data": {"task_uuid": task_uuid, "data": data}}
        instance.status = InstanceStatus.RUNNING
        _advance_and_store(instance, wf, completed=(str(task_uuid),), events=(done,),
                           form=(str(task_uuid), data))
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
            instance = _get_with_version(instance_id)
            if instance is None or instance.status != InstanceStatus.WAITING:
                return None
            wf = spiff.load(instance)
            fired = spiff.fire_due_timers(wf, now or utcnow())
            events = ({"kind": "timer", "message": "Timer fired: " + ", ".join(fired)},) if fired else ()
            instance.status = InstanceStatus.RUNNING
            _advance_and_store(instance, wf, events=events)
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
