"""Instance migration: move running instances of a process from one version to another.

`create_migration` checks the request and every selected instance (an instance at, or having
run, an element the new version lacks is refused with 422 naming the element and the
instances), then either answers a dry run (what would move) or stores a batch row and queues
`engine.migrate_instances`. `run_migration` (the Celery task's body, idempotent) moves each
instance in its own unit of work, updating the row's counts and per-instance errors.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from engine import spiff_adapter as spiff
from engine.models import (
    HumanTask,
    Incident,
    InstanceEvent,
    InstanceMigration,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)
from engine.states import InstanceStatus
from errors import NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.admin import require_admin
from org.models import utcnow, valid_id
from transactions import enqueue_after_commit, unit_of_work

log = logging.getLogger(__name__)
TASK = "engine.migrate_instances"
MOVABLE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR, InstanceStatus.SUSPENDED)
MAX_INSTANCES = 10_000


def _version(definition: ProcessDefinition, number: Any, field: str) -> ProcessVersion:
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValidationError.from_fields({field: "Expected a version number"})
    found = next((v for v in definition.versions if v.number == number), None)
    if found is None:
        raise ValidationError.from_fields({field: f"{definition.key} has no version {number}"})
    return found


def _mapping(raw: Any, old: set[str], new: set[str]) -> dict[str, str]:
    """{old: new} element ids, each one known to its version (422 naming the others)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError.from_fields({"mapping": "Expected an object {old element id: new element id}"})
    errors = {}
    for source, target in raw.items():
        if source not in old:
            errors[f"mapping.{source}"[:200]] = f"No element {source[:100]!r} in the version migrated from"
        elif not isinstance(target, str) or target not in new:
            errors[f"mapping.{source}"[:200]] = f"No element {str(target)[:100]!r} in the version migrated to"
    if errors:
        raise ValidationError("Unknown element ids in the mapping", fields=errors)
    return dict(raw)


def _instances(source: ProcessVersion, ids: Any) -> list[ProcessInstance]:
    """The selected (or all) unfinished instances of the source version."""
    query = select(ProcessInstance).where(ProcessInstance.version_id == source.id,
                                          ProcessInstance.status.in_(MOVABLE)).order_by(ProcessInstance.id)
    if ids is None:
        return list(db.session.scalars(query.limit(MAX_INSTANCES)))
    if not isinstance(ids, list) or not all(valid_id(i) and not isinstance(i, bool) for i in ids) \
            or len(ids) > MAX_INSTANCES:
        raise ValidationError.from_fields({"instance_ids": "Expected a list of instance ids"})
    found = list(db.session.scalars(query.where(ProcessInstance.id.in_(ids))))
    missing = sorted(set(ids) - {i.id for i in found})
    if missing:
        raise ValidationError.from_fields({"instance_ids": "Not unfinished instances of version "
                                           f"{source.number}: {', '.join(map(str, missing[:50]))}"})
    return found


def _check(instances: list[ProcessInstance], target: ProcessVersion, mapping: dict) -> list[dict]:
    """The plan per instance; 422 naming each element without a counterpart and its instances."""
    from engine.spiff import migrate

    spec, subs = spiff.version_spec(target)
    plan, stuck = [], {}
    for instance in instances:
        moves, problems = migrate.plan(spiff.load(instance), spec, subs, mapping)
        for element in problems:
            stuck.setdefault(element, []).append(instance.id)
        plan.append({"instance_id": instance.id, "status": instance.status, "moves": moves})
    if stuck:
        fields = {f"mapping.{element}"[:200]: f"Version {target.number} has no element {element}; instances "
                  f"{', '.join(map(str, ids[:50]))} are at it or ran it: map it to an element"
                  for element, ids in stuck.items()}
        raise ValidationError("Instances would be left on elements that no longer exist: " + "; ".join(
            f"{e} (instances {', '.join(map(str, ids[:20]))})" for e, ids in stuck.items()), fields=fields)
    return plan


def _prepare(key: str, body: dict, actor: Actor) -> tuple:
    """(definition, source, target, mapping, instances) of a request, every field checked (422 naming it)."""
    require_admin(actor)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise NotFound(f"No process {key!r}")
    source = _version(definition, body.get("from_version"), "from_version")
    target = _version(definition, body.get("to_version"), "to_version")
    if source.id == target.id:
        raise ValidationError.from_fields({"to_version": "Give another version than from_version"})
    from engine.spiff.modify import element_ids

    mapping = _mapping(body.get("mapping"), element_ids(*spiff.version_spec(source)),
                       element_ids(*spiff.version_spec(target)))
    return definition, source, target, mapping, _instances(source, body.get("instance_ids"))


def create_migration(key: str, body: dict, *, actor: Actor) -> InstanceMigration:
    """Check and plan a migration; a dry run stops there, otherwise the batch is queued."""
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ValidationError.from_fields({"dry_run": "Expected true or false"})
    definition, source, target, mapping, instances = _prepare(key, body, actor)
    plan = _check(instances, target, mapping)
    row = InstanceMigration(
        definition_id=definition.id, from_version_id=source.id, to_version_id=target.id, mapping=mapping,
        instance_ids=[i.id for i in instances], dry_run=dry_run, total=len(instances), plan=plan,
        errors=[], state="done" if dry_run else "pending", created_by_id=actor_user(actor).id,
        finished_at=utcnow() if dry_run else None)
    db.session.add(row)
    db.session.flush()
    if not dry_run:
        audit.record("process.migrate", f"process {key}", {
            "migration": row.id, "from_version": source.number, "to_version": target.number,
            "mapping": mapping, "instances": len(instances)}, actor=actor)
        enqueue_after_commit(TASK, row.id)
    return row


def preview(key: str, body: dict, *, actor: Actor) -> dict:
    """A dry run per instance (nothing stored): the ones that would move and how, and the ones
    refused with the elements the target version lacks (the migration page shows both)."""
    from engine.spiff import migrate

    _definition, _source, target, mapping, instances = _prepare(key, body, actor)
    spec, subs = spiff.version_spec(target)
    moving, refused = [], []
    for instance in instances:
        moves, problems = migrate.plan(spiff.load(instance), spec, subs, mapping)
        entry = {"instance_id": instance.id, "status": instance.status}
        if problems:
            refused.append({**entry, "elements": problems})
        else:
            moving.append({**entry, "moves": moves})
    return {"mapping": mapping, "moving": moving, "refused": refused}


def version_elements(version: ProcessVersion) -> list[tuple[str, str]]:
    """(element id, name) of a version's elements that instances can be at, sorted by id."""
    from engine.record_processes import element_names
    from engine.spiff.modify import element_ids

    names = element_names(version.bpmn)
    return [(e, names.get(e) or "") for e in sorted(element_ids(*spiff.version_spec(version)))]


def migration_form(key: str, from_number: int | None, to_number: int | None, *, actor: Actor) -> dict:
    """What the migration page shows (administrators): the versions with their unfinished instances,
    and once both versions are picked, the elements of each."""
    require_admin(actor)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise NotFound(f"No process {key!r}")
    out: dict = {"definition": definition, "counts": _unfinished_counts(definition), "source": None,
                 "target": None, "source_elements": [], "target_elements": []}
    if from_number is not None and to_number is not None and from_number != to_number:
        out["source"] = _version(definition, from_number, "from_version")
        out["target"] = _version(definition, to_number, "to_version")
        out["source_elements"] = version_elements(out["source"])
        out["target_elements"] = version_elements(out["target"])
    return out


def _unfinished_counts(definition: ProcessDefinition) -> dict[int, int]:
    """Unfinished instances per version id of a process (what a migration could move)."""
    from sqlalchemy import func

    return dict(db.session.execute(select(ProcessInstance.version_id, func.count(ProcessInstance.id)).where(
        ProcessInstance.version_id.in_([v.id for v in definition.versions]),
        ProcessInstance.status.in_(MOVABLE)).group_by(ProcessInstance.version_id)).all())


def get_migration(key: str, migration_id: int, *, actor: Actor) -> InstanceMigration:
    """A migration of the process (administrators)."""
    require_admin(actor)
    row = db.session.get(InstanceMigration, migration_id) if valid_id(migration_id) else None
    definition = db.session.get(ProcessDefinition, row.definition_id) if row is not None else None
    if row is None or definition is None or definition.key != key:
        raise NotFound(f"No migration {migration_id} of {key!r}")
    return row


def pending_migrations(older_than: Any) -> list[int]:
    """Batches queued before `older_than` that no worker started (their kick was lost)."""
    return list(db.session.scalars(select(InstanceMigration.id).where(
        InstanceMigration.state == "pending", InstanceMigration.created_at < older_than).limit(20)))


def run_migration(migration_id: int) -> str | None:
    """Move the batch's instances, one unit of work each; safe to run again (moved ones are skipped)."""
    with unit_of_work():
        row = db.session.get(InstanceMigration, migration_id)
        if row is None or row.dry_run or row.state == "done":
            return None if row is None else row.state
        row.state = "running"
    for instance_id in list(row.instance_ids):
        _migrate_one(migration_id, instance_id)
    with unit_of_work():
        row = db.session.get(InstanceMigration, migration_id)
        row.state, row.finished_at = "done", utcnow()
    return "done"


def _migrate_one(migration_id: int, instance_id: int) -> None:
    """One instance in its own unit of work, with the batch's counts; its failure is recorded."""
    try:
        with unit_of_work():
            row = db.session.get(InstanceMigration, migration_id)
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None or instance.version_id == row.to_version_id:
                return
            move_instance(instance, db.session.get(ProcessVersion, row.to_version_id), row.mapping)
            row.migrated += 1
            row.errors = [e for e in row.errors if e["instance_id"] != instance_id]
    except Exception as exc:  # this instance stays where it was; the batch goes on
        log.info("migrating instance %s failed: %s", instance_id, exc)
        with unit_of_work():
            row = db.session.get(InstanceMigration, migration_id)
            row.failed += 1
            row.errors = [*[e for e in row.errors if e["instance_id"] != instance_id],
                          {"instance_id": instance_id, "message": f"{type(exc).__name__}: {exc}"[:1000]}]


def move_instance(instance: ProcessInstance, target: ProcessVersion, mapping: dict[str, str]) -> dict:
    """Put the instance on `target` (the caller commits); its rows follow the renamed elements."""
    from engine.runtime import schedule_run
    from engine.spiff import migrate

    wf = spiff.load(instance)
    spec, subs = spiff.version_spec(target)
    moves = migrate.migrate(wf, spec, subs, mapping)
    source = instance.version
    instance.version_id, instance.version = target.id, target
    instance.state = spiff.dump(wf)
    _rename_rows(instance, target, moves)
    if instance.error_element in moves:
        instance.error_element = moves[instance.error_element]
    db.session.add(InstanceEvent(instance_id=instance.id, kind="migrated", data={"moves": moves},
                                 message=f"Migrated from version {source.number} to {target.number}"))
    if instance.status in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
        instance.status = InstanceStatus.RUNNING  # a step brings its tasks, timers and waits up to date
        schedule_run(instance.id)
    db.session.flush()
    return moves


def _rename_rows(instance: ProcessInstance, target: ProcessVersion, moves: dict[str, str]) -> None:
    """Open human tasks and incidents follow their renamed elements (ids and names)."""
    from engine.record_processes import element_name

    for model in (HumanTask, Incident):
        for item in db.session.scalars(select(model).where(model.instance_id == instance.id,
                                                           model.element_id.in_(list(moves)))):
            item.element_id = moves[item.element_id]
            name = element_name(target, item.element_id)[:255]
            if model is HumanTask:
                item.name = name
            else:
                item.element_name = name


def migration_to_dict(row: InstanceMigration) -> dict:
    """A migration as the API shows it."""
    return {
        "id": row.id, "state": row.state, "dry_run": row.dry_run, "mapping": row.mapping,
        "from_version_id": row.from_version_id, "to_version_id": row.to_version_id,
        "total": row.total, "migrated": row.migrated, "failed": row.failed, "errors": row.errors,
        "plan": row.plan, "instance_ids": row.instance_ids,
        "created_at": row.created_at.isoformat() + "Z",
        "finished_at": row.finished_at.isoformat() + "Z" if row.finished_at else None,
    }

