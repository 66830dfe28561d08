"""Jobs, as Camunda 7 lists them, over what the engine really has (docs/engine-rest.md, *Jobs*).

* `timer-<n>`: an engine_timer row not fired yet: a timer event waiting, or a failed step
  waiting for its next attempt (`camunda:failedJobRetryTimeCycle`, engine.spiff.async_retry),
  which Camunda shows as a failed job with retries left and its exception;
* `incident-<n>`: an open `failedJob` incident: a failed step with no retries left.
Administrators only, as incidents. The actions (retries, execute, due date) are in job_actions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine import spiff_adapter as spiff
from engine.history_models import ElementActivation
from engine.incidents import OPEN
from engine.models import (
    EngineTimer,
    Incident,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)
from engine.spiff import job_due
from engine.states import InstanceStatus
from extensions import db
from org.actors import Actor
from org.admin import require_admin
from org.models import utcnow, valid_id

TIMER, INCIDENT = "timer", "incident"
FAILED_JOB = "failedJob"
DEFAULT_RETRIES = 3  # what Camunda shows for a job that never failed
SORTS = ("jobId", "jobDueDate", "executionId", "processInstanceId", "processDefinitionId",
         "processDefinitionKey", "jobRetries", "jobPriority")


@dataclass
class Job:
    """One job: its row (an EngineTimer or an Incident) and what Camunda's JobDto shows."""

    kind: str  # TIMER | INCIDENT
    row: Any
    instance: ProcessInstance
    element_id: str | None
    task_uuid: str | None
    due_at: datetime | None
    retries: int
    message: str | None = None  # the exception of a failed job
    details: str | None = None  # its stack trace, when the engine kept one
    created_at: datetime | None = None

    @property
    def id(self) -> str:
        """The stable id: the kind, then the row's id."""
        return f"{self.kind}-{self.row.id}"

    @property
    def failed(self) -> bool:
        """A failed step (Camunda: a failed async continuation, a "message" job), not a timer event."""
        return self.message is not None


@dataclass(frozen=True)
class JobFilter:
    """What a job query asks for (checked by the caller); None/False: no condition."""

    job_id: str | None = None
    instance_id: int | None = None
    version_id: int | None = None
    key: str | None = None
    element_id: str | None = None
    timers: bool = False  # timer events only
    messages: bool = False  # failed steps only
    with_exception: bool = False
    no_retries_left: bool = False
    executable: bool = False  # retries left and due
    due_after: datetime | None = None
    due_before: datetime | None = None
    suspended: bool | None = None


def parse_job_id(job_id: str) -> tuple[str, int] | None:
    """(kind, row id) of a job id like timer-12, or None when it names no job."""
    kind, _, number = (job_id or "").partition("-")
    if kind not in (TIMER, INCIDENT) or not valid_id(number):
        return None
    return kind, int(number)


def select_jobs(where: JobFilter, *, actor: Actor) -> list[Job]:
    """Every job the filter selects, in id order (administrators)."""
    require_admin(actor)
    named = parse_job_id(where.job_id) if where.job_id is not None else None
    if where.job_id is not None and named is None:
        return []
    kind, number = named or (None, None)
    jobs: list[Job] = []
    if kind in (None, TIMER) and not where.no_retries_left:
        jobs += _timer_jobs(where, number)
    timed = where.timers or where.executable or where.due_after or where.due_before
    if kind in (None, INCIDENT) and not timed:  # failed jobs with no retries have no due date
        jobs += _incident_jobs(where, number)
    return sorted((j for j in jobs if _wanted(j, where)), key=_SORT_VALUES["jobId"])


def list_jobs(where: JobFilter, *, actor: Actor, sort_by: str = "jobId", descending: bool = False,
              first: int = 0, limit: int = 100) -> list[Job]:
    """A page of jobs sorted by one of SORTS, then by id; jobs without the value (a failed job's
    due date) come last in either order."""
    # Paged here, not in SQL: a timer's retries and failure come from its instance's workflow
    # state (_retry_waits), and five filters and the jobRetries sort depend on them.
    jobs = select_jobs(where, actor=actor)
    value = _SORT_VALUES[sort_by]
    present = [j for j in jobs if value(j) is not None]
    present.sort(key=value, reverse=descending)  # stable: equal values stay in id order
    page = (present + [j for j in jobs if value(j) is None])[first:first + limit]
    fill_created(page)
    return page


def count_jobs(where: JobFilter, *, actor: Actor) -> int:
    """How many jobs the filter selects."""
    return len(select_jobs(where, actor=actor))


_SORT_VALUES = {
    "jobId": lambda j: (j.kind, j.row.id), "jobDueDate": lambda j: j.due_at,
    "executionId": lambda j: j.task_uuid, "processInstanceId": lambda j: j.instance.id,
    "processDefinitionId": lambda j: j.instance.version_id,
    "processDefinitionKey": lambda j: j.instance.version.definition.key,
    "jobRetries": lambda j: j.retries, "jobPriority": lambda j: 0}


def _wanted(job: Job, where: JobFilter) -> bool:
    return not ((where.timers and job.failed) or (where.messages and not job.failed)
                or (where.with_exception and not job.failed)
                or (where.no_retries_left and job.retries)
                or (where.executable and not job.retries))


def _on_instances(row: Any, where: JobFilter) -> Any:
    """Rows of `row`'s table on instances of that version or process key, suspended or not."""
    query = select(row).join(ProcessInstance, ProcessInstance.id == row.instance_id)
    if where.key:
        query = (query.join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
                 .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id)
                 .where(ProcessDefinition.key == where.key))
    if where.instance_id is not None:
        query = query.where(ProcessInstance.id == where.instance_id)
    if where.version_id is not None:
        query = query.where(ProcessInstance.version_id == where.version_id)
    if where.suspended is not None:
        suspended = ProcessInstance.status == InstanceStatus.SUSPENDED
        query = query.where(suspended if where.suspended else ~suspended)
    return query


def _timer_jobs(where: JobFilter, number: int | None) -> list[Job]:
    query = _on_instances(EngineTimer, where).where(EngineTimer.fired_at.is_(None))
    conditions = [(number is not None, lambda: EngineTimer.id == number),
                  (where.element_id, lambda: EngineTimer.element_id == where.element_id),
                  (where.due_after, lambda: EngineTimer.due_at > where.due_after),
                  (where.due_before, lambda: EngineTimer.due_at < where.due_before),
                  (where.executable, lambda: EngineTimer.due_at <= utcnow())]
    for wanted, condition in conditions:
        if wanted:
            query = query.where(condition())
    rows = list(db.session.scalars(query.order_by(EngineTimer.id)))
    instances = _instances({r.instance_id for r in rows})
    waits = _retry_waits(rows, instances)
    return [Job(TIMER, r, instances[r.instance_id], r.element_id, r.task_uuid, r.due_at,
                *waits.get(r.id, (DEFAULT_RETRIES, None))) for r in rows]


def _incident_jobs(where: JobFilter, number: int | None) -> list[Job]:
    query = _on_instances(Incident, where).where(Incident.status == OPEN, Incident.kind == FAILED_JOB)
    if number is not None:
        query = query.where(Incident.id == number)
    if where.element_id:
        query = query.where(Incident.element_id == where.element_id)
    rows = list(db.session.scalars(query.order_by(Incident.id)))
    instances = _instances({r.instance_id for r in rows})
    return [Job(INCIDENT, r, instances[r.instance_id], r.element_id, None, None, r.retries_left,
                r.message or "failed", r.details, r.created_at) for r in rows]


def _instances(ids: set[int]) -> dict[int, ProcessInstance]:
    if not ids:
        return {}
    query = (select(ProcessInstance).where(ProcessInstance.id.in_(ids))
             .options(selectinload(ProcessInstance.version).selectinload(ProcessVersion.definition)))
    return {i.id: i for i in db.session.scalars(query)}


def _retry_waits(rows: list[EngineTimer], instances: dict[int, ProcessInstance]) -> dict[int, tuple]:
    """{timer row id: (retries left, exception)} of the rows that are failed steps waiting for
    another attempt. Only instances with a `retrying` log entry at that element can have one, so
    only theirs are loaded."""
    if not rows:
        return {}
    last = {(i, e): m for i, e, m in db.session.execute(
        select(InstanceEvent.instance_id, InstanceEvent.element_id, InstanceEvent.message)
        .where(InstanceEvent.kind == "retrying",
               InstanceEvent.instance_id.in_(select(EngineTimer.instance_id)
                                             .where(EngineTimer.fired_at.is_(None))))
        .order_by(InstanceEvent.id))}
    candidates = sorted((r for r in rows if (r.instance_id, r.element_id) in last),
                        key=lambda r: r.instance_id)
    found: dict[int, tuple] = {}
    for instance_id, group in groupby(candidates, key=lambda r: r.instance_id):
        waiting = job_due.retry_waits(spiff.load(instances[instance_id]))
        for row in group:
            if row.task_uuid in waiting:
                found[row.id] = (waiting[row.task_uuid], _exception(last[instance_id, row.element_id]))
    return found


def _exception(logged: str | None) -> str:
    """The failure's message from its `retrying` log entry, without the "(n retries left...)" note."""
    text = logged or "failed"
    head, sep, tail = text.rpartition(" (")
    return head if sep and "retries left" in tail else text


def fill_created(jobs: list[Job]) -> None:
    """A timer's createTime: when its element was entered (the element history)."""
    timers = [j for j in jobs if j.kind == TIMER]
    if not timers:
        return
    started = dict(((i, u), t) for i, u, t in db.session.execute(
        select(ElementActivation.instance_id, ElementActivation.task_uuid, ElementActivation.started_at)
        .where(ElementActivation.instance_id.in_({j.instance.id for j in timers}),
               ElementActivation.task_uuid.in_({j.task_uuid for j in timers}))))
    for job in timers:
        job.created_at = started.get((job.instance.id, job.task_uuid))
