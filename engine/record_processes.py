"""Processes as a record page shows them: those that can be started on it, those running on it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.services.merge import move_rows, register_mover
from engine.instances import FINISHED, may_read
from engine.models import EngineTimer, HumanTask, MessageWait, ProcessInstance, ProcessVersion
from engine.states import HumanTaskState, InstanceStatus
from engine.triggers import active_versions
from extensions import db
from org.actors import Actor

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def startable_processes(entity: str) -> list[dict]:
    """Active processes to start by hand on a record of this type: those whose newest version
    has a trigger for the type, and those with no record trigger at all (a plain start event)."""
    out = []
    for version in active_versions():
        messages = [t["message"] for t in version.triggers or [] if t.get("entity") == entity]
        if messages or not version.triggers:
            out.append({"key": version.definition.key, "name": version.definition.name or version.name,
                        "version": version.number, "messages": messages})
    return sorted(out, key=lambda p: p["name"].lower())


def running_on_record(entity: str, entity_id: int, *, actor: Actor, limit: int = 20) -> list[dict]:
    """The unfinished (and the latest finished) instances about a record, with their current step."""
    rows = list(db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.entity == entity,
                                      ProcessInstance.entity_id == entity_id)
        .order_by(ProcessInstance.id.desc()).limit(limit)
        .options(joinedload(ProcessInstance.version).joinedload(ProcessVersion.definition))))
    rows = [r for r in rows if may_read(r, actor)]
    steps = current_steps([r for r in rows if r.status not in FINISHED])
    return [{"id": r.id, "key": r.version.definition.key, "name": r.version.name,
             "version": r.version.number, "status": r.status, "created_at": r.created_at,
             "steps": steps.get(r.id, [])} for r in rows]


def current_steps(instances: list[ProcessInstance]) -> dict[int, list[str]]:
    """Instance id -> what it is at now: open user tasks, timers, messages, the failed element."""
    ids = [i.id for i in instances]
    if not ids:
        return {}
    out: dict[int, list[str]] = {i: [] for i in ids}
    by_id = {i.id: i for i in instances}
    for instance_id, name in db.session.execute(
            select(HumanTask.instance_id, HumanTask.name)
            .where(HumanTask.instance_id.in_(ids), HumanTask.state == HumanTaskState.OPEN)
            .order_by(HumanTask.id)):
        out[instance_id].append(name)
    for instance_id, element in db.session.execute(
            select(EngineTimer.instance_id, EngineTimer.element_id)
            .where(EngineTimer.instance_id.in_(ids), EngineTimer.fired_at.is_(None))):
        out[instance_id].append("Timer: " + element_name(by_id[instance_id].version, element))
    for instance_id, element, message in db.session.execute(
            select(MessageWait.instance_id, MessageWait.element_id, MessageWait.message_name)
            .where(MessageWait.instance_id.in_(ids))):
        name = element_name(by_id[instance_id].version, element)
        out[instance_id].append(f"Waiting for {message}: {name}")
    for instance in instances:
        if instance.status == InstanceStatus.ERROR and instance.error_element:
            out[instance.id].append("Failed at " + element_name(instance.version, instance.error_element))
    return out


_NAMES: dict[str, dict[str, str]] = {}


def element_name(version: ProcessVersion, element_id: str) -> str:
    """The element's name in the diagram (its id when unnamed)."""
    names = _NAMES.get(version.bpmn_sha256)
    if names is None:
        if len(_NAMES) > 64:
            _NAMES.clear()
        names = _NAMES[version.bpmn_sha256] = element_names(version.bpmn)
    return names.get(element_id) or element_id


def element_names(bpmn: bytes) -> dict[str, str]:
    """Element id -> name of every named BPMN element of a diagram."""
    from engine.spiff.xmlsafe import parse_xml

    try:
        root = parse_xml(bpmn)
    except Exception:  # a stored diagram parsed once already; never fail a page over names
        return {}
    prefix = "{" + BPMN_NS + "}"
    return {el.get("id"): el.get("name") for el in root.iter()
            if isinstance(el.tag, str) and el.tag.startswith(prefix) and el.get("id") and el.get("name")}


def move_record_processes(entity: str, from_ids: list[int], to_id: int) -> int:
    """Point process instances (and their inbox tasks and record-event waits) about merged
    records at the survivor; the serialized workflow state is left as it is. Returns the
    number of instances moved."""
    moved = move_rows(ProcessInstance, entity, from_ids, to_id, id_col="entity_id")
    move_rows(HumanTask, entity, from_ids, to_id, id_col="entity_id")
    move_rows(MessageWait, entity, from_ids, to_id, id_col="entity_id")
    return moved


def register_merge() -> None:
    """Merging CRM records moves their processes too (crm.services.merge)."""
    register_mover("process_instances", move_record_processes)
