"""Incidents: a failed step waiting for an operator (retry, modify the instance, or resolve).

The engine opens one whenever an instance goes to ERROR (a script or service task raised,
an instance or tree limit was reached, a call activity was refused or its child failed);
other failure sources (external tasks) call `open_incident` themselves. Administrators list
them across processes, retry (optionally after setting variables), modify the instance
(engine.modification) or resolve them with a note; each of those is audited.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engine import spiff_adapter as spiff
from engine.models import Incident, InstanceEvent, ProcessDefinition, ProcessInstance, ProcessVersion
from engine.runtime import flush_or_conflict, schedule_run
from engine.states import InstanceStatus
from errors import Conflict, NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.admin import require_admin
from org.models import utcnow, valid_id

OPEN, RESOLVED = "open", "resolved"
STATUSES = (OPEN, RESOLVED)
# The kinds the engine opens (external tasks add failedExternalTask).
KINDS = ("failedJob", "failedExternalTask", "stepBudget", "callDepth", "failedCall")
_KIND_HINTS = (("engine tasks, its limit", "stepBudget"), ("task tree is deeper", "stepBudget"),
               ("call depth limit", "callDepth"), ("called instance", "failedCall"),
               ("the called process", "failedCall"), ("ended with the error", "failedCall"))


def open_incident(instance: ProcessInstance, element_id: str | None, kind: str, message: str,
                  details: str | None = None, retries_left: int = 0) -> Incident:
    """Open an incident on an instance (the caller commits); an identical open one is reused."""
    same = db.session.scalar(select(Incident).where(
        Incident.instance_id == instance.id, Incident.status == OPEN, Incident.kind == kind,
        Incident.element_id == element_id))
    if same is not None:  # a redelivered step or a repeated failure: one incident, updated
        same.message, same.details, same.retries_left = message[:4000], details, retries_left
        return same
    from engine.record_processes import element_name

    version = instance.version
    name = element_name(version, element_id) if element_id else ""
    incident = Incident(instance_id=instance.id, definition_id=version.definition_id, element_id=element_id,
                        element_name=(name or "")[:255], kind=kind[:32], message=message[:4000],
                        details=details, retries_left=retries_left, status=OPEN)
    db.session.add(incident)
    return incident


def kind_of(message: str | None) -> str:
    """The incident kind an engine error message stands for."""
    text = message or ""
    return next((kind for hint, kind in _KIND_HINTS if hint in text), "failedJob")


def instance_failed(instance: ProcessInstance, details: str | None = None) -> Incident:
    """The incident for an instance the engine just put in ERROR."""
    return open_incident(instance, instance.error_element, kind_of(instance.error_message),
                         instance.error_message or "failed", details)


def resolve_open(instance: ProcessInstance, actor: Actor | None, how: str) -> int:
    """Resolve the instance's open incidents (it was retried, modified, migrated or terminated)."""
    user_id = actor_user(actor).id if actor is not None else None
    rows = list(db.session.scalars(select(Incident).where(
        Incident.instance_id == instance.id, Incident.status == OPEN)))
    for row in rows:
        row.status, row.resolved_at, row.resolved_by_id, row.resolution = RESOLVED, utcnow(), user_id, how
    return len(rows)


# ---- for administrators -----------------------------------------------------------------

def list_incidents(*, actor: Actor, key: str | None = None, element_id: str | None = None,
                   status: str = OPEN, limit: int = 50, before: int | None = None,
                   instance_id: int | None = None, version_id: int | None = None,
                   kind: str | None = None, incident_id: int | None = None) -> list[Incident]:
    """Incidents newest first, filtered by process key, element, instance, version, kind and
    status (administrators)."""
    where = _filters(actor, key=key, element_id=element_id, status=status, instance_id=instance_id,
                     version_id=version_id, kind=kind, incident_id=incident_id)
    if before:
        where.append(Incident.id < before)
    query = (select(Incident).where(*where).order_by(Incident.id.desc()).limit(limit)
             .options(selectinload(Incident.instance).selectinload(ProcessInstance.version)
                      .selectinload(ProcessVersion.definition)))
    return list(db.session.scalars(query))


def count_incidents(*, actor: Actor, **filters: Any) -> int:
    """How many incidents list_incidents' filters select, counted in SQL (administrators)."""
    return db.session.scalar(select(func.count(Incident.id)).where(*_filters(actor, **filters))) or 0


def _filters(actor: Actor, *, key: str | None = None, element_id: str | None = None, status: str = OPEN,
             instance_id: int | None = None, version_id: int | None = None, kind: str | None = None,
             incident_id: int | None = None) -> list:
    """The WHERE clauses of an incident query; only administrators may ask."""
    require_admin(actor)
    if status not in STATUSES:
        raise ValidationError.from_fields({"status": "One of " + ", ".join(STATUSES)})
    where: list = [Incident.status == status]
    if key:
        where.append(Incident.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.key == key)))
    if element_id:
        where.append(Incident.element_id == element_id)
    if instance_id is not None:
        where.append(Incident.instance_id == instance_id)
    if kind:
        where.append(Incident.kind == kind)
    if incident_id is not None:
        where.append(Incident.id == incident_id)
    if version_id is not None:
        where.append(Incident.instance_id.in_(
            select(ProcessInstance.id).where(ProcessInstance.version_id == version_id)))
    return where


def get_incident(incident_id: int, *, actor: Actor) -> Incident:
    """One incident (administrators)."""
    require_admin(actor)
    incident = db.session.get(Incident, incident_id) if valid_id(incident_id) else None
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    return incident


def open_counts() -> dict[str, int]:
    """Open incidents per process key."""
    return dict(db.session.execute(
        select(ProcessDefinition.key, func.count(Incident.id))
        .join(ProcessDefinition, ProcessDefinition.id == Incident.definition_id)
        .where(Incident.status == OPEN).group_by(ProcessDefinition.key)).all())


def check_variables(variables: Any, field: str = "variables") -> dict:
    """Variables to set: an object whose keys are names (422 naming the bad one)."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationError.from_fields({field: "Expected an object of name: value"})
    for name in variables:
        if not str(name).isidentifier() or str(name).startswith("_"):
            raise ValidationError.from_fields({f"{field}.{name}"[:200]: "Not a variable name"})
    return variables


def retry_incident(incident_id: int, variables: Any = None, *, actor: Actor) -> Incident:
    """Run the failed element again, after setting `variables` at it; the incident is resolved."""
    incident = get_incident(incident_id, actor=actor)
    variables = check_variables(variables)
    if incident.status != OPEN:
        raise Conflict("The incident is already resolved")
    instance = incident.instance
    if instance.status != InstanceStatus.ERROR:
        raise Conflict(f"Only an instance in error can be retried (it is {instance.status})")
    from engine.external_tasks import reset_retries
    from engine.spiff import modify

    wf = spiff.load(instance)
    spiff.retry_errored(wf)
    reset_retries(instance.id)  # a failed external task is fetchable again, as retry_instance does
    if variables:
        modify.set_variables(wf, variables)
    instance.state = spiff.dump(wf)
    instance.status = InstanceStatus.RUNNING
    user = actor_user(actor)
    db.session.add(InstanceEvent(instance_id=instance.id, kind="retried", element_id=incident.element_id,
                                 actor_id=user.id, on_behalf_of_id=user.id,
                                 message=f"Retried after: {instance.error_message or 'error'}",
                                 data={"incident_id": incident.id, "variables": sorted(variables)}))
    instance.error_element = instance.error_message = None
    resolve_open(instance, actor, "retried")
    audit.record("incident.retry", f"incident {incident.id}", {
        "instance": instance.id, "element": incident.element_id, "variables": sorted(variables)}, actor=actor)
    schedule_run(instance.id)
    flush_or_conflict()
    return incident


def resolve_incident(incident_id: int, note: Any = None, *, actor: Actor) -> Incident:
    """Mark an incident resolved with a note (the instance stays as it is)."""
    incident = get_incident(incident_id, actor=actor)
    if note is not None and not isinstance(note, str):
        raise ValidationError.from_fields({"note": "Expected text"})
    if incident.status != OPEN:
        raise Conflict("The incident is already resolved")
    note = (note or "").strip()[:2000] or "resolved"
    incident.status, incident.resolved_at = RESOLVED, utcnow()
    incident.resolved_by_id, incident.resolution = actor_user(actor).id, note
    audit.record("incident.resolve", f"incident {incident.id}", {
        "instance": incident.instance_id, "element": incident.element_id, "note": note}, actor=actor)
    return incident


def incident_to_dict(incident: Incident) -> dict:
    """An incident as the API shows it."""
    instance = incident.instance
    version = instance.version
    return {
        "id": incident.id, "instance_id": incident.instance_id, "key": version.definition.key,
        "version": version.number, "process_name": version.name, "element_id": incident.element_id,
        "element_name": incident.element_name, "kind": incident.kind, "message": incident.message,
        "details": incident.details, "retries_left": incident.retries_left, "status": incident.status,
        "created_at": _iso(incident.created_at), "resolved_at": _iso(incident.resolved_at),
        "resolved_by_id": incident.resolved_by_id, "resolution": incident.resolution,
        "instance_status": instance.status,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat() + "Z"
