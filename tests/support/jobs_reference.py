"""The job list as engine.jobs built it before it paged in SQL (every job row loaded, filtered,
sorted and paged in Python): the reference the SQL paging is compared with (tests, bench/jobs.py)."""
from __future__ import annotations

from itertools import groupby

from sqlalchemy import select

from engine import spiff_adapter as spiff
from engine.incidents import OPEN
from engine.job_queries import FAILED_JOB, INCIDENT, TIMER
from engine.jobs import DEFAULT_RETRIES, Job, JobFilter, fill_created, parse_job_id
from engine.models import EngineTimer, Incident, InstanceEvent, ProcessInstance, ProcessVersion
from engine.spiff import job_due
from extensions import db
from org.models import utcnow

SORT_VALUES = {
    "jobId": lambda j: (j.kind, j.row.id), "jobDueDate": lambda j: j.due_at,
    "executionId": lambda j: j.task_uuid, "processInstanceId": lambda j: j.instance.id,
    "processDefinitionId": lambda j: j.instance.version_id,
    "processDefinitionKey": lambda j: j.instance.version.definition.key,
    "jobRetries": lambda j: j.retries, "jobPriority": lambda j: 0}


def select_jobs(where: JobFilter) -> list[Job]:
    """Every job the filter selects, in id order."""
    named = parse_job_id(where.job_id) if where.job_id is not None else None
    if where.job_id is not None and named is None:
        return []
    kind, number = named or (None, None)
    jobs: list[Job] = []
    if kind in (None, TIMER) and not where.no_retries_left:
        jobs += _timer_jobs(where, number)
    timed = where.timers or where.executable or where.due_after or where.due_before
    if kind in (None, INCIDENT) and not timed:
        jobs += _incident_jobs(where, number)
    return sorted((j for j in jobs if _wanted(j, where)), key=SORT_VALUES["jobId"])


def list_jobs(where: JobFilter, *, sort_by: str = "jobId", descending: bool = False,
              first: int = 0, limit: int = 100) -> list[Job]:
    """A page, as before: everything selected, sorted in Python, sliced."""
    jobs = select_jobs(where)
    value = SORT_VALUES[sort_by]
    present = [j for j in jobs if value(j) is not None]
    present.sort(key=value, reverse=descending)
    page = (present + [j for j in jobs if value(j) is None])[first:first + limit]
    fill_created(page)
    return page


def count_jobs(where: JobFilter) -> int:
    return len(select_jobs(where))


def _wanted(job: Job, where: JobFilter) -> bool:
    return not ((where.timers and job.failed) or (where.messages and not job.failed)
                or (where.with_exception and not job.failed)
                or (where.no_retries_left and job.retries)
                or (where.executable and not job.retries))


def _on_instances(row, where: JobFilter):
    from engine.models import ProcessDefinition
    from engine.states import InstanceStatus

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
    from sqlalchemy.orm import selectinload

    if not ids:
        return {}
    query = (select(ProcessInstance).where(ProcessInstance.id.in_(ids))
             .options(selectinload(ProcessInstance.version).selectinload(ProcessVersion.definition)))
    return {i.id: i for i in db.session.scalars(query)}


def _retry_waits(rows: list[EngineTimer], instances: dict[int, ProcessInstance]) -> dict[int, tuple]:
    from engine.jobs import exception_of

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
                found[row.id] = (waiting[row.task_uuid], exception_of(last[instance_id, row.element_id]))
    return found
