"""External tasks: service tasks whose topic an external worker serves (Camunda 7's external tasks).

Each step writes one `external_task` row per service task waiting for a worker
(`sync_external_tasks`). Workers fetch and lock rows by topic; a lock is a worker id and an
expiry, taken with a conditional UPDATE so two workers never hold the same task, and free again
once it expires. Completing (or a BPMN error caught by a boundary event) continues the
instance in the caller's unit of work, as completing an inbox task does; a failure with no
retries left is an incident naming the element. Rights: administrators (in admin mode) work on
every instance, others on the instances they started (engine.instances.may_control).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from engine import spiff_adapter as spiff
from engine import spiff_external
from engine.models import ExternalTask, Incident, InstanceEvent, ProcessInstance
from engine.states import InstanceStatus
from errors import Conflict, NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.admin import acts_as_admin
from org.models import utcnow

INCIDENT_KIND = "failedExternalTask"


@dataclass(frozen=True)
class TopicRequest:
    """One topic of a fetch: its name, the lock duration and the variables wanted (None: all)."""

    name: str
    lock_ms: int
    variables: tuple[str, ...] | None = None


def sync_external_tasks(instance: ProcessInstance, waiting: list[dict], variables: dict,
                        fresh: bool = False) -> None:
    """Keep one row per task of the instance waiting for a worker (after a step that may hold one);
    `fresh`: the instance holds no open row (no query)."""
    rows = {} if fresh else {row.task_uuid: row for row in db.session.scalars(select(ExternalTask).where(
        ExternalTask.instance_id == instance.id, ExternalTask.closed_at.is_(None)))}
    wanted = {task["task_uuid"]: task for task in waiting}
    gone = [row.id for uuid, row in rows.items() if uuid not in wanted]
    if gone:  # closed, not deleted: a second complete of the same id answers 404, never another task
        db.session.execute(update(ExternalTask).where(ExternalTask.id.in_(gone)).values(
            closed_at=utcnow(), worker_id=None, lock_expires_at=None)
            .execution_options(synchronize_session=False))
    for uuid, task in wanted.items():
        if uuid not in rows:
            db.session.add(ExternalTask(
                instance_id=instance.id, task_uuid=uuid, element_id=task["element_id"],
                topic=str(task["topic"])[:255], variables={**variables, **task["params"]}))


def _visible(query: Any, actor: Actor) -> Any:
    """Only the instances the actor may work on (may_control, as one condition)."""
    if acts_as_admin(actor_user(actor)):
        return query
    return query.where(ProcessInstance.started_by_id == actor_user(actor).id)


def fetch_and_lock(worker_id: str, topics: list[TopicRequest], max_tasks: int, *,
                   actor: Actor) -> list[tuple[ExternalTask, dict]]:
    """Lock up to `max_tasks` free tasks of these topics for the worker: [(row, variables)]."""
    now, by_name = utcnow(), {t.name: t for t in topics}
    query = _visible(select(ExternalTask).join(ProcessInstance).where(
        ExternalTask.topic.in_(list(by_name)), ProcessInstance.status == InstanceStatus.WAITING,
        ExternalTask.closed_at.is_(None),
        or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now),
        or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0)), actor)
    query = query.order_by(ExternalTask.priority.desc(), ExternalTask.id).limit(min(max_tasks * 4, 200))
    if db.engine.dialect.name == "postgresql":  # workers skip each other's rows instead of queueing on them
        query = query.with_for_update(skip_locked=True, of=ExternalTask)
    candidates = db.session.scalars(query).all()
    taken = []
    for row in candidates:
        if len(taken) >= max_tasks:
            break
        until = now + timedelta(milliseconds=by_name[row.topic].lock_ms)
        won = db.session.execute(update(ExternalTask).where(
            ExternalTask.id == row.id,
            or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now))
            .values(worker_id=worker_id, lock_expires_at=until)
            .execution_options(synchronize_session=False)).rowcount
        if won:  # another worker's UPDATE of the same row matched nothing: it is ours alone
            db.session.refresh(row)
            wanted = by_name[row.topic].variables
            values = row.variables if wanted is None else {k: v for k, v in row.variables.items()
                                                            if k in wanted}
            taken.append((row, values))
    return taken


def list_external_tasks(*, actor: Actor, topic: str | None = None, worker_id: str | None = None,
                        instance_id: int | None = None, locked: bool | None = None,
                        limit: int = 100) -> list[ExternalTask]:
    """Tasks waiting for a worker on the instances the actor may work on."""
    query = _visible(select(ExternalTask).join(ProcessInstance).where(
        ExternalTask.closed_at.is_(None),
        ProcessInstance.status.in_((InstanceStatus.WAITING, InstanceStatus.ERROR, InstanceStatus.SUSPENDED))),
        actor)
    if topic:
        query = query.where(ExternalTask.topic == topic)
    if worker_id:
        query = query.where(ExternalTask.worker_id == worker_id)
    if instance_id is not None:
        query = query.where(ExternalTask.instance_id == instance_id)
    if locked is not None:
        held = ExternalTask.lock_expires_at > utcnow()
        query = query.where(held if locked else or_(ExternalTask.lock_expires_at.is_(None), ~held))
    return list(db.session.scalars(query.order_by(ExternalTask.id).limit(limit)))


def get_external_task(task_id: int, *, actor: Actor) -> ExternalTask:
    """One task the actor may work on (404 otherwise)."""
    from engine.instances import may_control

    row = db.session.get(ExternalTask, task_id)
    if row is None or row.closed_at is not None or not may_control(
            db.session.get(ProcessInstance, row.instance_id), actor):
        raise NotFound(f"External task with id {task_id} does not exist")
    return row


def _held_by(task_id: int, worker_id: str, actor: Actor) -> tuple[ExternalTask, ProcessInstance]:
    """The task locked by this worker, and its instance (waiting); 404/409 otherwise."""
    row = get_external_task(task_id, actor=actor)
    if row.worker_id != worker_id:
        raise Conflict(f"External task {task_id} cannot be changed by worker {worker_id!r}. "
                       f"It is locked by worker {row.worker_id!r}.", {"workerId": "Not the lock holder"})
    instance = db.session.get(ProcessInstance, row.instance_id)
    if instance.status != InstanceStatus.WAITING:
        raise Conflict(f"The process instance is {instance.status}, not waiting for this task")
    return row, instance


def _log(instance: ProcessInstance, kind: str, element: str, actor: Actor, message: str,
         data: dict | None = None) -> None:
    user = actor_user(actor)
    db.session.add(InstanceEvent(instance_id=instance.id, kind=kind, element_id=element,
                                 actor_id=user.id, on_behalf_of_id=user.id, message=message[:4000],
                                 data=data))


def complete_external_task(task_id: int, worker_id: str, variables: dict, local: dict, *,
                           actor: Actor) -> ProcessInstance:
    """Complete a locked task with the worker's variables and run the instance on (caller commits)."""
    from engine.runtime import run_on

    row, instance = _held_by(task_id, worker_id, actor)
    wf = spiff.load(instance)
    try:
        element = spiff_external.complete_external(wf, row.task_uuid, variables, local)
    except spiff.TaskNotOpen:
        raise NotFound(f"External task with id {task_id} does not exist") from None
    _log(instance, "task_completed", element, actor, f"Worker {worker_id} completed {element}",
         {"task_uuid": row.task_uuid, "variables": variables})
    run_on(instance, wf)
    return instance


def _incident(instance: ProcessInstance, row: ExternalTask, message: str, actor: Actor) -> None:
    """The instance stops in error at the task's element with an incident, as a failed step does."""
    from engine.incidents import open_incident

    instance.status = InstanceStatus.ERROR
    instance.error_element, instance.error_message = row.element_id, message[:4000]
    _log(instance, "error", row.element_id, actor, instance.error_message)
    open_incident(instance, row.element_id, INCIDENT_KIND, instance.error_message, row.error_details)


def handle_failure(task_id: int, worker_id: str, message: str, details: str | None, retries: int,
                   retry_timeout_ms: int, *, actor: Actor) -> ExternalTask:
    """Record a worker's failure; retries left: free again after the timeout, none: an incident."""
    row, instance = _held_by(task_id, worker_id, actor)
    row.error_message, row.error_details, row.retries = message[:4000], details, max(retries, 0)
    row.worker_id = None
    row.lock_expires_at = utcnow() + timedelta(milliseconds=retry_timeout_ms) if retry_timeout_ms else None
    if row.retries == 0:
        _incident(instance, row, f"External task {row.topic}: {message}", actor)
    else:
        _log(instance, "task_failed", row.element_id, actor,
             f"Worker {worker_id} failed {row.element_id} ({row.retries} retries left): {message}")
    db.session.flush()
    return row


def handle_bpmn_error(task_id: int, worker_id: str, code: str, message: str | None, variables: dict,
                      *, actor: Actor) -> ProcessInstance:
    """Throw the worker's BPMN error from the task: an error event catches it, or an incident."""
    from engine.runtime import run_on

    row, instance = _held_by(task_id, worker_id, actor)
    wf = spiff.load(instance)
    try:
        caught = spiff_external.throw_external_error(wf, row.task_uuid, code, message, variables)
    except spiff.TaskNotOpen:
        raise NotFound(f"External task with id {task_id} does not exist") from None
    if not caught:
        _incident(instance, row, f"BPMN error {code!r} from {row.topic} was not caught"
                  + (f": {message}" if message else ""), actor)
        db.session.flush()
        return instance
    _log(instance, "bpmn_error", row.element_id, actor, f"Worker {worker_id} threw BPMN error {code!r}")
    run_on(instance, wf)
    return instance


def extend_lock(task_id: int, worker_id: str, duration_ms: int, *, actor: Actor) -> ExternalTask:
    """Hold the lock `duration_ms` from now; only its holder, only while it holds."""
    row = get_external_task(task_id, actor=actor)
    if row.worker_id != worker_id or row.lock_expires_at is None or row.lock_expires_at <= utcnow():
        raise Conflict(f"The lock of external task {task_id} is not held by worker {worker_id!r}",
                       {"workerId": "Not the lock holder"})
    row.lock_expires_at = utcnow() + timedelta(milliseconds=duration_ms)
    db.session.flush()
    return row


def unlock(task_id: int, *, actor: Actor) -> ExternalTask:
    """Free the task at once (any worker may fetch it)."""
    row = get_external_task(task_id, actor=actor)
    row.worker_id, row.lock_expires_at = None, None
    db.session.flush()
    return row


def set_retries(task_ids: list[int], retries: int, *, actor: Actor) -> list[ExternalTask]:
    """Set the retries of tasks the actor may work on (all or none: 404 naming the first unknown).

    Retries above 0 on a task whose failure stopped its instance resolve that incident and put
    the instance back to waiting (its state never moved past the task), so workers fetch it again.
    """
    rows = [get_external_task(task_id, actor=actor) for task_id in task_ids]
    for row in rows:
        row.retries = retries
        if retries > 0:
            _lift_incident(row, actor)
    db.session.flush()
    return rows


def _lift_incident(row: ExternalTask, actor: Actor) -> None:
    """Resolve the open incidents at the task's element; the instance waits again when none is left."""
    from engine.incidents import OPEN, RESOLVED

    instance = db.session.get(ProcessInstance, row.instance_id)
    if instance.status != InstanceStatus.ERROR:
        return
    open_rows = list(db.session.scalars(select(Incident).where(
        Incident.instance_id == instance.id, Incident.status == OPEN).order_by(Incident.id)))
    mine = [i for i in open_rows if i.element_id == row.element_id]
    if not mine and instance.error_element != row.element_id:
        return
    user_id = actor_user(actor).id
    for incident in mine:
        incident.status, incident.resolved_at, incident.resolved_by_id = RESOLVED, utcnow(), user_id
        incident.resolution = "retries set"
    row.worker_id, row.lock_expires_at = None, None
    _log(instance, "retries_set", row.element_id, actor, f"Retries of {row.element_id} set to {row.retries}")
    others = [i for i in open_rows if i not in mine]
    if others:  # another element's incident still stops the instance
        instance.error_element, instance.error_message = others[-1].element_id, others[-1].message
        return
    instance.status = InstanceStatus.WAITING  # its state never moved past the task
    instance.error_element = instance.error_message = None


def reset_retries(instance_id: int) -> None:
    """An incident retried: its external tasks with no retries left may be fetched again."""
    db.session.execute(update(ExternalTask).where(
        ExternalTask.instance_id == instance_id, ExternalTask.retries <= 0)
        .values(retries=1, lock_expires_at=None).execution_options(synchronize_session=False))


def check_duration(value: Any, field: str) -> int:
    """A duration in milliseconds (0 to a day); 400 naming the field otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 86_400_000:
        raise ValidationError.from_fields({field: "A number of milliseconds from 0 to 86400000"})
    return value


def lock_time(row: ExternalTask) -> datetime | None:
    """The lock's expiry while it holds."""
    return row.lock_expires_at if row.lock_expires_at and row.lock_expires_at > utcnow() else None
