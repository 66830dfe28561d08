"""Drafts, deleting unused versions, archiving: a process's life besides deploying.

A draft is what the designer saves while an analyst works: one per process key, kept with
the problems that would stop it from being published, starting nothing. Publishing deploys it
as the next version (engine.deploy) and drops it. A version no instance ever ran can be
deleted; the one before it becomes the newest again. An archived process starts nothing
(no triggers, no timer starts, no manual start) and leaves the list; its running instances go on.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import delete, func, select

from engine.deploy import (
    check_upload_size,
    deploy_process,
    get_definition,
    get_version,
    known_topics,
    latest_version,
    require_designer,
)
from engine.event_models import TimerStartSchedule
from engine.models import ProcessDefinition, ProcessDraft, ProcessInstance, ProcessVersion
from errors import Conflict, NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.models import utcnow

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def save_draft(data: bytes, *, actor: Actor) -> ProcessDraft:
    """Keep a diagram as its process's draft, with what would stop it from being published."""
    from engine import spiff_adapter as spiff

    require_designer(actor)
    check_upload_size(data)
    result = spiff.validate(data, known_topics())
    key, name = result.process_id, result.name
    if not key:  # invalid: keep it under the id of its first executable process, if any
        key, name = _process_named_in(data)
    if not key:
        raise ValidationError.from_fields({"file": _first_problem(result.errors)})
    draft = db.session.get(ProcessDraft, key) or ProcessDraft(key=key)
    draft.name = (name or key)[:255]
    from engine.camunda_forms import form_problems
    from engine.decisions import business_rule_problems

    # Business rule tasks naming undeployed decisions, user tasks naming undeployed forms: listed
    # now, not only when publishing.
    missing = [] if result.errors else [*business_rule_problems(data), *form_problems(data)]
    draft.bpmn, draft.problems = data, [*result.errors, *missing]
    draft.updated_at, draft.updated_by_id = utcnow(), actor_user(actor).id
    db.session.add(draft)
    db.session.flush()
    return draft


def _process_named_in(data: bytes) -> tuple[str | None, str | None]:
    """(id, name) of the file's first executable process, read without the engine."""
    from engine.spiff.xmlsafe import parse_xml

    try:
        root = parse_xml(data)
    except Exception:  # not XML, or refused (entities, size): the problems say so
        return None, None
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("id") and process.get("isExecutable", "true").lower() != "false":
            return process.get("id")[:255], process.get("name")
    return None, None


def _first_problem(errors: list[dict]) -> str:
    return errors[0]["message"] if errors else "No executable process in the file"


def get_draft(key: str) -> ProcessDraft:
    """The draft of a process key (404 when there is none)."""
    draft = db.session.get(ProcessDraft, key)
    if draft is None:
        raise NotFound(f"Process {key!r} has no draft")
    return draft


def delete_draft(key: str, *, actor: Actor) -> None:
    """Throw a draft away; the published versions stay as they are."""
    require_designer(actor)
    db.session.delete(get_draft(key))
    db.session.flush()


def drop_draft(key: str) -> None:
    """Forget a key's draft once the designer published it (no draft: nothing to do)."""
    draft = db.session.get(ProcessDraft, key)
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()


def publish_draft(key: str, *, actor: Actor) -> ProcessVersion:
    """Deploy the draft as the next version (422 with its problems if it has any) and drop it."""
    require_designer(actor)
    draft = get_draft(key)
    version = deploy_process(draft.bpmn, actor=actor)  # validates again: the activities may have changed
    if version.created_by_id is None:
        version.created_by_id = actor_user(actor).id
    db.session.delete(draft)
    db.session.flush()
    return version


def delete_version(key: str, number: int, *, actor: Actor) -> ProcessDefinition | None:
    """Delete a version no instance ever ran (409 otherwise); None when it was the last one."""
    require_designer(actor)
    version = get_version(key, number)
    used = db.session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.version_id == version.id))
    if used:
        raise Conflict(f"Version {number} of {key!r} has run {used} instance(s); it stays for their "
                       "history. Deactivate or archive the process instead")
    definition = version.definition
    audit.record("process.delete_version", f"process {key}", {"version": number}, actor=actor)
    was_newest = latest_version(definition).id == version.id
    db.session.execute(delete(TimerStartSchedule).where(TimerStartSchedule.version_id == version.id))
    db.session.delete(version)
    db.session.flush()
    db.session.expire(definition, ["versions"])
    newest = latest_version(definition)
    if newest is None:
        db.session.delete(definition)
        db.session.flush()
        return None
    if was_newest:
        from engine.timer_starts import schedule_version

        schedule_version(newest)  # its timer starts apply again
    return definition


def versions_in_use(definition: ProcessDefinition) -> set[int]:
    """Ids of the process's versions that ran at least one instance (they cannot be deleted)."""
    return set(db.session.scalars(select(ProcessInstance.version_id).distinct().join(
        ProcessVersion, ProcessVersion.id == ProcessInstance.version_id).where(
        ProcessVersion.definition_id == definition.id)))


def set_archived(key: str, archived: bool, *, actor: Actor) -> ProcessDefinition:
    """Archive (inactive, hidden, no timer starts) or bring back (still inactive) a process."""
    require_designer(actor)
    definition = get_definition(key)
    if archived != (definition.archived_at is not None):
        audit.record("process.archive" if archived else "process.unarchive", f"process {key}", {},
                     actor=actor)
    if archived:
        definition.archived_at = definition.archived_at or utcnow()
        definition.active = False
        versions = select(ProcessVersion.id).where(ProcessVersion.definition_id == definition.id)
        db.session.execute(delete(TimerStartSchedule).where(TimerStartSchedule.version_id.in_(versions)))
    else:
        definition.archived_at = None
        newest = latest_version(definition)
        if newest is not None:
            from engine.timer_starts import schedule_version

            schedule_version(newest)
    db.session.flush()
    return definition


def draft_to_dict(draft: ProcessDraft) -> dict:
    """A draft as the API shows it."""
    return {
        "key": draft.key, "name": draft.name, "problems": draft.problems,
        "publishable": not draft.problems, "size": len(draft.bpmn),
        "sha256": hashlib.sha256(draft.bpmn).hexdigest(),
        "updated_at": draft.updated_at.isoformat() + "Z", "updated_by_id": draft.updated_by_id,
    }


def list_drafts() -> list[ProcessDraft]:
    """Every draft, newest change first."""
    return list(db.session.scalars(select(ProcessDraft).order_by(ProcessDraft.updated_at.desc())))
