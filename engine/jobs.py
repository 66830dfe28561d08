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

from engine import job_queries
from engine import spiff_adapter as spiff
from engine.history_models import ElementActivation
from engine.job_queries import DEFAULT_RETRIES, INCIDENT, TIMER, inline_ids
from engine.models import (
    EngineTimer,
    Incident,
    InstanceEvent,
    ProcessInstance,
    ProcessVersion,
)
from engine.spiff import job_due
from extensions import db
from org.actors import Actor
from org.admin import require_admin
from org.models import valid_id

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


def list_jobs(where: JobFilter, *, actor: Actor, sort_by: str = "jobId", descending: bool = False,
              first: int = 0, limit: int = 100) -> list[Job]:
    """A page of jobs sorted by one of SORTS, then by id; jobs without the value (a failed job's
    due date) come last in either order. Sorted and paged in SQL (engine.job_queries)."""
    require_admin(actor)
    named = _named(where)
    if named is None:
        return []
    waits = _decided(where, *named, sort_by=sort_by)
    page = job_queries.page_ids(where, *named, _retries_left(waits), sort_by=sort_by,
                                descending=descending, first=first, limit=limit)
    jobs = _load(page, waits)
    fill_created(jobs)
    return jobs


def count_jobs(where: JobFilter, *, actor: Actor) -> int:
    """How many jobs the filter selects (a COUNT in SQL)."""
    require_admin(actor)
    named = _named(where)
    if named is None:
        return 0
    return job_queries.count(where, *named, _retries_left(_decided(where, *named, sort_by="jobId")))


def _retries_left(waits: dict | None) -> job_queries.Failed:
    """{timer id: retries left} of the decided retry waits, as the job queries take them."""
    return None if waits is None else {timer_id: retries for timer_id, (retries, _) in waits.items()}


def _named(where: JobFilter) -> tuple[str | None, int | None] | None:
    """(kind, row id) the filter's jobId names, (None, None) without one; None for a bad id."""
    if where.job_id is None:
        return None, None
    return parse_job_id(where.job_id)


def _decided(where: JobFilter, kind: str | None, number: int | None, *, sort_by: str) -> dict | None:
    """{timer id: (retries left, exception)} of every failed step waiting for a retry among the
    filter's timers, when the filter or the sort depends on it (else None). Only timers at an
    element their instance logged a retry at can be one: only their workflow states are read."""
    if not (where.timers or where.messages or where.with_exception or where.executable
            or sort_by == "jobRetries"):
        return None
    if kind == INCIDENT or where.no_retries_left:
        return {}
    query = job_queries.timer_query(where, number, EngineTimer).where(job_queries.retried_here())
    rows = list(db.session.scalars(query.order_by(EngineTimer.id)))
    return _retry_waits(rows, _instances({r.instance_id for r in rows}))


def _load(page: list[tuple[str, int]], waits: dict | None) -> list[Job]:
    """The page's jobs with their instances, in the page's order (`waits`: the decided retry
    waits, or None to read them for the page's timers only)."""
    timers = _rows(EngineTimer, [i for k, i in page if k == TIMER])
    incidents = _rows(Incident, [i for k, i in page if k == INCIDENT])
    instances = _instances({r.instance_id for r in [*timers.values(), *incidents.values()]})
    if waits is None:
        waits = _retry_waits(list(timers.values()), instances)
    jobs = []
    for kind, row_id in page:
        if kind == TIMER and row_id in timers:
            r = timers[row_id]
            jobs.append(Job(TIMER, r, instances[r.instance_id], r.element_id, r.task_uuid, r.due_at,
                            *waits.get(r.id, (DEFAULT_RETRIES, None))))
        elif kind == INCIDENT and row_id in incidents:
            r = incidents[row_id]
            jobs.append(Job(INCIDENT, r, instances[r.instance_id], r.element_id, None, None, r.retries_left,
                            r.message or "failed", r.details, r.created_at))
    return jobs


def _rows(table: Any, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(table).where(table.id.in_(inline_ids(ids))))}


def _instances(ids: set[int]) -> dict[int, ProcessInstance]:
    if not ids:
        return {}
    query = (select(ProcessInstance).where(ProcessInstance.id.in_(inline_ids(ids)))
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
               InstanceEvent.instance_id.in_(inline_ids({r.instance_id for r in rows})))
        .order_by(InstanceEvent.id))}
    candidates = sorted((r for r in rows if (r.instance_id, r.element_id) in last),
                        key=lambda r: r.instance_id)
    found: dict[int, tuple] = {}
    for instance_id, group in groupby(candidates, key=lambda r: r.instance_id):
        waiting = job_due.retry_waits(spiff.load(instances[instance_id]))
        for row in group:
            if row.task_uuid in waiting:
                found[row.id] = (waiting[row.task_uuid], exception_of(last[instance_id, row.element_id]))
    return found


def exception_of(logged: str | None) -> str:
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
