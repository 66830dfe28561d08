"""Instance queries for the Camunda-compatible API: historic instances (filtered, sorted, paged)
and statistics per process version and per activity (running instances, failed jobs, incidents).

Every query sees only the instances the actor sees in lists (engine.instances.visible).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engine.history_models import ACTIVE, ElementActivation
from engine.incidents import OPEN
from engine.instances import visible
from engine.models import Incident, InstanceEvent, ProcessDefinition, ProcessInstance, ProcessVersion
from engine.states import ACTIVE_STATUSES, FINISHED_STATUSES, InstanceStatus
from extensions import db
from org.actors import Actor

# Camunda's sortBy values -> columns
SORTS = {"instanceId": ProcessInstance.id, "definitionId": ProcessInstance.version_id,
         "definitionKey": ProcessDefinition.key, "definitionName": ProcessVersion.name,
         "definitionVersion": ProcessVersion.number, "businessKey": ProcessInstance.business_key,
         "startTime": ProcessInstance.created_at, "endTime": ProcessInstance.completed_at,
         "duration": None}  # end - start: per database (_duration)
FAILED_JOB = "failedJob"


@dataclass(frozen=True)
class HistoryFilter:
    """What a historic instance query asks for (checked by the caller)."""

    key: str | None = None
    instance_id: int | None = None
    version_id: int | None = None
    business_key: str | None = None
    finished: bool | None = None  # True: completed or terminated; False: not yet
    started_after: datetime | None = None
    started_before: datetime | None = None


def _query(actor: Actor, where: HistoryFilter):
    query = visible(select(ProcessInstance)
                    .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
                    .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id), actor)
    conditions = [
        (where.key, lambda: ProcessDefinition.key == where.key),
        (where.instance_id is not None, lambda: ProcessInstance.id == where.instance_id),
        (where.version_id is not None, lambda: ProcessInstance.version_id == where.version_id),
        (where.business_key, lambda: ProcessInstance.business_key == where.business_key),
        (where.finished is True, lambda: ProcessInstance.status.in_(FINISHED_STATUSES)),
        (where.finished is False, lambda: ProcessInstance.status.in_(ACTIVE_STATUSES)),
        (where.started_after, lambda: ProcessInstance.created_at >= where.started_after),
        (where.started_before, lambda: ProcessInstance.created_at <= where.started_before)]
    for wanted, condition in conditions:
        if wanted:
            query = query.where(condition())
    return query


def historic_instances(where: HistoryFilter, *, actor: Actor, sort_by: str = "instanceId",
                       descending: bool = False, first: int = 0, limit: int = 100) -> list[ProcessInstance]:
    """A page of the instances the actor sees, sorted by one of SORTS (then by id); by duration,
    the unfinished (no duration yet) come last in either order."""
    column = _duration() if sort_by == "duration" else SORTS[sort_by]
    order = [column.desc() if descending else column.asc(), ProcessInstance.id]
    if sort_by == "duration":
        order.insert(0, ProcessInstance.completed_at.is_(None))
    query = (_query(actor, where).order_by(*order).offset(first).limit(limit)
             .options(selectinload(ProcessInstance.version).selectinload(ProcessVersion.definition)))
    return list(db.session.scalars(query))


def _duration():
    """completed_at - created_at as a number that sorts as the duration (SQL has no portable
    difference of two timestamps)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", ProcessInstance.completed_at - ProcessInstance.created_at)
    return func.julianday(ProcessInstance.completed_at) - func.julianday(ProcessInstance.created_at)


def count_historic_instances(where: HistoryFilter, *, actor: Actor) -> int:
    """How many instances the query finds."""
    return db.session.scalar(select(func.count()).select_from(_query(actor, where).subquery())) or 0


def terminated_internally(ids: list[int]) -> set[int]:
    """Of these terminated instances, the ones the engine ended with no person acting."""
    if not ids:
        return set()
    return set(db.session.scalars(select(InstanceEvent.instance_id).where(
        InstanceEvent.instance_id.in_(ids), InstanceEvent.kind == "terminated",
        InstanceEvent.actor_id.is_(None))))


def camunda_state(instance: ProcessInstance, internal: set[int]) -> str:
    """Camunda's historic state of an instance."""
    if instance.status == InstanceStatus.TERMINATED:
        return "INTERNALLY_TERMINATED" if instance.id in internal else "EXTERNALLY_TERMINATED"
    return {InstanceStatus.COMPLETED: "COMPLETED", InstanceStatus.SUSPENDED: "SUSPENDED"}.get(
        instance.status, "ACTIVE")


def _incident_counts(actor: Actor, group: object, version_id: int | None = None) -> dict:
    """{(group value, kind): open incidents} on the instances the actor sees."""
    query = visible(select(group, Incident.kind, func.count(Incident.id))
                    .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
                    .where(Incident.status == OPEN).group_by(group, Incident.kind), actor)
    if version_id is not None:
        query = query.where(ProcessInstance.version_id == version_id)
    return {(value, kind): count for value, kind, count in db.session.execute(query)}


def version_statistics(*, actor: Actor) -> list[dict]:
    """Per process version: unfinished instances, and open incidents by kind."""
    query = visible(select(ProcessInstance.version_id, func.count(ProcessInstance.id))
                    .where(ProcessInstance.status.in_(ACTIVE_STATUSES))
                    .group_by(ProcessInstance.version_id), actor)
    running = dict(db.session.execute(query).all())
    incidents = _incident_counts(actor, ProcessInstance.version_id)
    versions = db.session.scalars(select(ProcessVersion).options(selectinload(ProcessVersion.definition))
                                  .order_by(ProcessVersion.definition_id, ProcessVersion.number))
    return [{"version": v, "instances": running.get(v.id, 0),
             "incidents": {kind: n for (vid, kind), n in incidents.items() if vid == v.id}}
            for v in versions if v.definition.archived_at is None]


def activity_statistics(version: ProcessVersion, *, actor: Actor) -> list[dict]:
    """Per element of a version: unfinished instances at it, and open incidents there by kind."""
    instances = func.count(func.distinct(ElementActivation.instance_id))
    query = visible(select(ElementActivation.element_id, instances)
                    .join(ProcessInstance, ProcessInstance.id == ElementActivation.instance_id)
                    .where(ElementActivation.version_id == version.id, ElementActivation.state == ACTIVE,
                           ProcessInstance.version_id == version.id,
                           ProcessInstance.status.in_(ACTIVE_STATUSES))
                    .group_by(ElementActivation.element_id), actor)
    at = dict(db.session.execute(query).all())
    incidents = _incident_counts(actor, Incident.element_id, version.id)
    elements = sorted(set(at) | {element for element, _kind in incidents if element})
    return [{"element_id": e, "instances": at.get(e, 0),
             "incidents": {kind: n for (el, kind), n in incidents.items() if el == e}} for e in elements]
