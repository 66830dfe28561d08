"""The SQL of the job list (engine.jobs): the rows of both kinds a filter selects as one UNION ALL
of (kind rank, row id, sort value), sorted, paged and counted by the database, so a page of 10
reads 10 rows however many timers wait."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)

from engine.incidents import OPEN
from engine.models import (
    EngineTimer,
    Incident,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)
from engine.states import InstanceStatus
from extensions import db
from org.models import utcnow

if TYPE_CHECKING:
    from engine.jobs import JobFilter

TIMER, INCIDENT = "timer", "incident"
RANKS = {INCIDENT: 0, TIMER: 1}  # the jobId order: kind, then row id ("incident" < "timer")
FAILED_JOB = "failedJob"
DEFAULT_RETRIES = 3  # what Camunda shows for a job that never failed
TEXT_SORTS = ("executionId", "processDefinitionKey")

# {timer row id: retries left} of every failed step waiting for a retry among the filter's timers,
# read from the workflow states (engine.jobs); None when neither the filter nor the sort needs it.
Failed = dict[int, int] | None


def retried_here() -> Any:
    """Whether a timer's instance logged a `retrying` entry at its element: only such a timer can
    be a failed step waiting for its next attempt (the others are timer events)."""
    return (select(InstanceEvent.id)
            .where(InstanceEvent.kind == "retrying", InstanceEvent.instance_id == EngineTimer.instance_id,
                   InstanceEvent.element_id == EngineTimer.element_id).exists())


def timer_query(where: JobFilter, number: int | None, *columns: Any, definitions: bool = False) -> Select:
    """The unfired timers the filter's columns select (their failure decided elsewhere)."""
    query = _on_instances(EngineTimer, where, columns, definitions).where(EngineTimer.fired_at.is_(None))
    conditions = [(number is not None, lambda: EngineTimer.id == number),
                  (where.element_id, lambda: EngineTimer.element_id == where.element_id),
                  (where.due_after, lambda: EngineTimer.due_at > where.due_after),
                  (where.due_before, lambda: EngineTimer.due_at < where.due_before),
                  (where.executable, lambda: EngineTimer.due_at <= utcnow())]
    for wanted, condition in conditions:
        if wanted:
            query = query.where(condition())
    return query


def _incident_query(where: JobFilter, number: int | None, columns: tuple, definitions: bool) -> Select:
    query = (_on_instances(Incident, where, columns, definitions)
             .where(Incident.status == OPEN, Incident.kind == FAILED_JOB))
    if number is not None:
        query = query.where(Incident.id == number)
    if where.element_id:
        query = query.where(Incident.element_id == where.element_id)
    if where.no_retries_left:
        query = query.where(Incident.retries_left == 0)
    return query


def _on_instances(table: Any, where: JobFilter, columns: tuple, definitions: bool) -> Select:
    """`columns` of `table`'s rows on instances of that version or process key, suspended or not."""
    query = select(*columns).select_from(table).join(ProcessInstance, ProcessInstance.id == table.instance_id)
    if where.key or definitions:
        query = (query.join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
                 .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id))
    if where.key:
        query = query.where(ProcessDefinition.key == where.key)
    if where.instance_id is not None:
        query = query.where(ProcessInstance.id == where.instance_id)
    if where.version_id is not None:
        query = query.where(ProcessInstance.version_id == where.version_id)
    if where.suspended is not None:
        suspended = ProcessInstance.status == InstanceStatus.SUSPENDED
        query = query.where(suspended if where.suspended else ~suspended)
    return query


def inline_ids(ids: Any) -> Any:
    """An IN list rendered inline (integers only): no limit on bound parameters however many."""
    return bindparam(None, list(ids), type_=Integer, expanding=True, literal_execute=True)


def _sort_value(table: Any, sort_by: str, failed: Failed) -> Any:
    """The sorted value of one kind's rows; NULL when that kind has none (a failed job's due date)."""
    if table is EngineTimer:
        values = {"jobDueDate": EngineTimer.due_at, "executionId": EngineTimer.task_uuid,
                  "jobRetries": _timer_retries(failed)}
    else:
        values = {"jobDueDate": cast(null(), EngineTimer.due_at.type), "jobRetries": Incident.retries_left,
                  "executionId": cast(null(), EngineTimer.task_uuid.type)}
    values |= {"processInstanceId": table.instance_id, "processDefinitionId": ProcessInstance.version_id,
               "processDefinitionKey": ProcessDefinition.key}
    return values.get(sort_by, cast(null(), Integer))  # jobId, jobPriority (all 0): the id order


def _timer_retries(failed: Failed) -> Any:
    if not failed:
        return literal(DEFAULT_RETRIES, Integer)
    whens = [(EngineTimer.id == literal_column(str(int(i))), literal_column(str(int(n))))
             for i, n in failed.items()]
    return case(*whens, else_=literal(DEFAULT_RETRIES, Integer))


def _timer_part(where: JobFilter, number: int | None, failed: Failed, sort_by: str) -> Select:
    query = timer_query(where, number, literal(RANKS[TIMER], Integer).label("rank"),
                        EngineTimer.id.label("id"), _sort_value(EngineTimer, sort_by, failed).label("value"),
                        definitions=sort_by == "processDefinitionKey")
    if failed is None:
        return query
    if where.timers:
        query = query.where(EngineTimer.id.not_in(inline_ids(failed)))
    if where.messages or where.with_exception:
        query = query.where(EngineTimer.id.in_(inline_ids(failed)))
    if where.executable:
        query = query.where(EngineTimer.id.not_in(inline_ids([i for i, n in failed.items() if not n])))
    return query


def _union(where: JobFilter, kind: str | None, number: int | None, failed: Failed, sort_by: str) -> Any:
    """Both kinds' (rank, id, value) the filter selects as one subquery; None when neither kind can."""
    parts = []
    if kind in (None, TIMER) and not where.no_retries_left:
        parts.append(_timer_part(where, number, failed, sort_by))
    timed = where.timers or where.executable or where.due_after or where.due_before
    if kind in (None, INCIDENT) and not timed:  # failed jobs with no retries have no due date
        columns = (literal(RANKS[INCIDENT], Integer).label("rank"), Incident.id.label("id"),
                   _sort_value(Incident, sort_by, failed).label("value"))
        parts.append(_incident_query(where, number, columns, sort_by == "processDefinitionKey"))
    if not parts:
        return None
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("jobs")


def page_ids(where: JobFilter, kind: str | None, number: int | None, failed: Failed, *, sort_by: str,
             descending: bool, first: int, limit: int) -> list[tuple[str, int]]:
    """(kind, row id) of a page, sorted by `sort_by`, then by (kind, id); jobs without the value last."""
    jobs = _union(where, kind, number, failed, sort_by)
    if jobs is None:
        return []
    order = [jobs.c.rank, jobs.c.id]
    if sort_by == "jobId" and descending:
        order = [jobs.c.rank.desc(), jobs.c.id.desc()]
    elif sort_by in ("jobDueDate", "executionId", "processInstanceId", "processDefinitionId",
                   "processDefinitionKey", "jobRetries"):
        value = jobs.c.value
        if sort_by in TEXT_SORTS and db.session.get_bind().dialect.name == "postgresql":
            value = value.collate("C")  # code point order, as Python compares strings
        order = [jobs.c.value.is_(None), value.desc() if descending else value.asc(), *order]
    query = select(jobs.c.rank, jobs.c.id).order_by(*order).offset(first).limit(limit)
    kinds = {rank: name for name, rank in RANKS.items()}
    return [(kinds[rank], row_id) for rank, row_id in db.session.execute(query)]


def count(where: JobFilter, kind: str | None, number: int | None, failed: Failed) -> int:
    """How many jobs the filter selects (one COUNT over both kinds)."""
    jobs = _union(where, kind, number, failed, "jobId")
    return 0 if jobs is None else db.session.scalar(select(func.count()).select_from(jobs))
