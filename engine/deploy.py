"""Deploy BPMN diagrams: validate at upload, keep versions, activate, edit triggers."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from engine.models import ProcessDefinition, ProcessDraft, ProcessInstance, ProcessVersion
from engine.states import ACTIVE_STATUSES
from errors import Conflict, Forbidden, NotFound, ServiceError, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, ProcessActor, actor_user
from org.admin import acts_as_admin, has_admin_rights
from org.rows import get_or_create

TRIGGER_ACTIONS = ("created", "updated")


class PayloadTooLarge(ServiceError):
    status = 413


class DiagramInvalid(ValidationError):
    """422 listing every problem found in an uploaded diagram."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(f"The diagram cannot be deployed: {len(errors)} problem(s) found")
        self.errors = errors

    def to_dict(self) -> dict:
        """The 422 body listing every problem."""
        return {"error": self.message, "errors": self.errors}


def require_designer(actor: Actor) -> None:
    """Uploading and changing processes needs the process-designer right (admins for now)."""
    if isinstance(actor, ProcessActor) or actor_user(actor).is_system:
        return
    if not acts_as_admin(actor):
        raise Forbidden("Missing right: design processes" + (
            " (switch admin mode on)" if has_admin_rights(actor) else ""))


def known_topics() -> dict:
    """The activity topics service tasks may name (the activities registry once present)."""
    try:
        from engine.activities import topic_specs
    except ImportError:
        from engine.spiff.topics import STANDARD_TOPICS
        return dict(STANDARD_TOPICS)
    return topic_specs()


def deploy_process(data: bytes, *, actor: Actor) -> ProcessVersion:
    """Validate an uploaded diagram and store it as the newest version of its process key."""
    require_designer(actor)
    version = _prepare_version(data)
    db.session.flush()
    _audit_deploy(version, actor)
    return version


def _audit_deploy(version: ProcessVersion, actor: Actor | None) -> None:
    audit.record("process.deploy", f"process {version.definition.key}", {
        "version": version.number, "name": version.name, "sha256": version.bpmn_sha256,
        "also": [f"{v.definition.key} v{v.number}" for v in getattr(version, "deployed_with", [])]},
        actor=actor)


def check_upload_size(data: bytes) -> None:
    """413 above BPMN_MAX_BYTES, 422 for an empty file."""
    limit = current_app.config.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than the limit of {limit} bytes",
                              {"file": f"At most {limit} bytes"})
    if not data.strip():
        raise ValidationError.from_fields({"file": "The file is empty"})


def _prepare_version(data: bytes) -> ProcessVersion:
    """Check size and validity, reuse an identical newest version, or add a new one."""
    from engine import spiff_adapter as spiff

    check_upload_size(data)
    result = spiff.validate(data, known_topics())
    if result.errors:
        raise DiagramInvalid(result.errors)
    from engine.camunda_forms import form_problems
    from engine.decisions import business_rule_problems

    problems = [*business_rule_problems(data), *form_problems(data)]
    if problems:
        raise DiagramInvalid(problems)
    digest = hashlib.sha256(data).hexdigest()
    definition = _definition_for(result.process_id, result.name)
    latest = latest_version(definition)
    if latest is not None and latest.bpmn_sha256 == digest:
        return latest
    version = ProcessVersion(
        definition=definition, number=(latest.number + 1) if latest else 1,
        process_id=result.process_id, name=result.name or result.process_id, bpmn=data,
        bpmn_sha256=digest, spec_blob=result.spec_blob or spiff.spec_blob(data, result.process_id),
        triggers=_carry_over(result.triggers, latest),
    )
    db.session.add(version)
    db.session.flush()
    from engine.calls import deploy_file_processes

    # Its version tag; the file's other executable processes (each versioned, as Camunda does).
    version.deployed_with = deploy_file_processes(data, version, result.other_triggers)

    from engine.timer_starts import schedule_version

    for deployed in [version, *version.deployed_with]:
        schedule_version(deployed)  # replaces the older versions' timer start schedules
    return version


def deploy_as_system(data: bytes, *, created_by_id: int | None) -> tuple[ProcessVersion, bool]:
    """Deploy without a user (install); returns (version, created) and leaves the commit to the caller."""
    before = db.session.scalar(select(func.count(ProcessVersion.id)))
    version = _prepare_version(data)
    if version.created_by_id is None and created_by_id is not None:
        version.created_by_id = created_by_id
    after = db.session.scalar(select(func.count(ProcessVersion.id)))
    if after != before:
        _audit_deploy(version, None)
    return version, after != before


def _definition_for(key: str, name: str | None) -> ProcessDefinition:
    definition, created = get_or_create(ProcessDefinition, key=key,
                                        defaults={"name": name or key, "active": True})
    if name and not created:
        definition.name = name
    return definition


def _carry_over(triggers: list[dict], latest: ProcessVersion | None) -> list[dict]:
    """Keep the field filters and conditions edited on the previous version's same triggers."""
    before = {(t["element_id"], t["message"]): t for t in (latest.triggers if latest else [])}
    out = []
    for trig in triggers:
        old = before.get((trig["element_id"], trig["message"]))
        if old is not None and trig.get("fields") is None and trig.get("condition") is None:
            trig = {**trig, "fields": old.get("fields"), "condition": old.get("condition")}
        out.append(trig)
    return out


def latest_version(definition: ProcessDefinition) -> ProcessVersion | None:
    """The newest version of a process, or None."""
    return db.session.scalar(select(ProcessVersion).where(
        ProcessVersion.definition_id == definition.id).order_by(ProcessVersion.number.desc()).limit(1))


def get_definition(key: str) -> ProcessDefinition:
    """A process by key (404 when unknown)."""
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise NotFound(f"No process {key!r}")
    return definition


def get_version(key: str, number: int) -> ProcessVersion:
    """One version of a process (404 when unknown)."""
    definition = get_definition(key)
    version = db.session.scalar(select(ProcessVersion).where(
        ProcessVersion.definition_id == definition.id, ProcessVersion.number == number))
    if version is None:
        raise NotFound(f"Process {key!r} has no version {number}")
    return version


def set_active(key: str, active: bool, *, actor: Actor) -> ProcessDefinition:
    """Activate or deactivate a process: inactive processes start no new instances."""
    require_designer(actor)
    definition = get_definition(key)
    if active and definition.archived_at is not None:
        raise Conflict(f"Process {key!r} is archived: bring it back from the archive first")
    if definition.active != active:
        audit.record("process.activate" if active else "process.deactivate", f"process {key}", {},
                     actor=actor)
    definition.active = active
    db.session.flush()
    return definition


TRIGGER_KEYS = {"element_id", "fields", "condition", "message", "entity", "action"}
MAX_CONDITION = 2000


def update_triggers(key: str, triggers: Any, *, actor: Actor) -> ProcessVersion:
    """Set the changed-field filters and conditions of the newest version's triggers."""
    require_designer(actor)
    version = latest_version(get_definition(key))
    if not isinstance(triggers, list):
        raise ValidationError.from_fields({"triggers": "Expected a list of triggers"})
    current = {t["element_id"]: t for t in version.triggers}
    errors: dict[str, str] = {}
    updated = {}
    for i, item in enumerate(triggers):
        trig = _checked_trigger(item, current, f"triggers[{i}]", errors)
        if trig is not None:
            updated[trig["element_id"]] = trig
    if errors:
        raise ValidationError.from_fields(errors)
    version.triggers = [updated.get(t["element_id"], t) for t in version.triggers]
    db.session.flush()
    audit.record("process.triggers", f"process {key}", {"version": version.number,
                                                          "triggers": list(updated.values())}, actor=actor)
    return version


def _checked_trigger(item: Any, current: dict, where: str, errors: dict) -> dict | None:
    if not isinstance(item, dict):
        errors[where] = "Expected an object"
        return None
    for name in set(item) - TRIGGER_KEYS:
        errors[f"{where}.{name}"] = "Unknown field"
    element_id = item.get("element_id")
    trig = current.get(element_id) if isinstance(element_id, str) else None
    if trig is None:
        errors[f"{where}.element_id"] = (
            "No message start event with this id; one of: " + ", ".join(sorted(current)))
        return None
    fields = item.get("fields")
    if fields is not None:
        fields = _checked_fields(trig["entity"], fields, f"{where}.fields", errors)
    condition = item.get("condition")
    if condition is not None and not isinstance(condition, str):
        errors[f"{where}.condition"] = "Expected an expression or null"
    elif condition is not None and condition.strip():
        problem = condition_problem(condition)
        if problem:
            errors[f"{where}.condition"] = problem
    else:
        condition = None
    return {**trig, "fields": fields, "condition": condition}


def _checked_fields(entity: str, fields: Any, where: str, errors: dict) -> list[str] | None:
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        errors[where] = "Expected a list of field names or null"
        return None
    known = entity_field_names(entity)
    unknown = [f for f in fields if known and f not in known]
    if unknown:
        errors[where] = f"Unknown field(s) of {entity}: {', '.join(unknown)}"
    return fields or None


def entity_field_names(entity: str) -> set[str]:
    """Field names a trigger may filter on for a record type."""
    from crm.entities import ENTITIES

    spec = ENTITIES.get(entity)
    if spec is None:
        return set()
    return {f.name for f in spec.fields} | {"closed", "responsible_id", "dept_path"}


def condition_problem(condition: str) -> str | None:
    """Compile a trigger condition in the sandbox; return the problem or None."""
    from engine.spiff.expressions import check_expression

    if len(condition) > MAX_CONDITION:
        return f"Invalid condition: at most {MAX_CONDITION} characters"
    try:
        problem = check_expression(condition)
    except (RecursionError, MemoryError):  # the parsers' recursion: say so instead of a 500
        problem = "the expression nests too deeply"
    return f"Invalid condition: {problem}" if problem else None


def list_processes(entity: str | None = None, archived: bool = False) -> list[dict]:
    """Every process (with `entity`: those triggered on that record type; archived ones only
    with `archived`) with versions, triggers and counts of unfinished instances."""
    counts: dict[tuple[int, str], int] = {}
    rows = db.session.execute(
        select(ProcessVersion.definition_id, ProcessInstance.status, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id)
        .where(ProcessInstance.status.in_(ACTIVE_STATUSES))
        .group_by(ProcessVersion.definition_id, ProcessInstance.status))
    for definition_id, status, n in rows:
        counts[(definition_id, status)] = n
    out = []
    query = select(ProcessDefinition).order_by(ProcessDefinition.key)
    if not archived:
        query = query.where(ProcessDefinition.archived_at.is_(None))
    for definition in db.session.scalars(query):
        by_status = {s: counts.get((definition.id, s), 0) for s in ACTIVE_STATUSES}
        item = definition_to_dict(definition, by_status)
        if entity is None or any(t.get("entity") == entity for t in item["triggers"]):
            out.append(item)
    return out


def definition_to_dict(definition: ProcessDefinition, counts: dict | None = None) -> dict:
    """A process as the API shows it."""
    latest = definition.versions[-1] if definition.versions else None
    out = {
        "key": definition.key, "name": definition.name, "active": definition.active,
        "archived": definition.archived_at is not None,
        "has_draft": db.session.get(ProcessDraft, definition.key) is not None,
        "version": latest.number if latest else None,
        "triggers": latest.triggers if latest else [],
        "versions": [version_to_dict(v) for v in definition.versions],
    }
    if counts is not None:
        out["instances"] = counts
        out["running"] = counts.get("running", 0) + counts.get("waiting", 0)
    return out


def version_warnings(version: ProcessVersion) -> list[dict]:
    """What the diagram asks for that the engine accepts but does not honour: [{element, message}]."""
    return _warnings_for(version.bpmn_sha256, version.bpmn)


_WARNINGS: dict[str, list[dict]] = {}


def _warnings_for(digest: str, data: bytes) -> list[dict]:
    found = _WARNINGS.get(digest)
    if found is None:
        from engine.camunda_compat import diagram_warnings
        from engine.spiff.xmlsafe import parse_xml

        root = parse_xml(data)
        found = _WARNINGS[digest] = diagram_warnings(root) + _worker_topics(root)
        if len(_WARNINGS) > 256:  # versions never change: a small cache is enough
            _WARNINGS.pop(next(iter(_WARNINGS)))
    return found


def _worker_topics(root: Any) -> list[dict]:
    """Service tasks whose topic no activity serves: they wait for an external task worker."""
    from engine.camunda_compat import BPMN, CAMUNDA

    known, found = known_topics(), []
    for task in root.iter(f"{{{BPMN}}}serviceTask"):
        topic = (task.get(f"{{{CAMUNDA}}}topic") or "").strip()
        if topic and topic not in known:
            found.append({"element": task.get("id"), "message": (
                f"topic {topic!r} is no Flowdesk activity: the task waits for an external task worker "
                "(/engine-rest/external-task/fetchAndLock)")})
    return found


def version_to_dict(version: ProcessVersion, *, warnings: bool = False) -> dict:
    """A version as the API shows it (with `warnings`: what the engine accepts but ignores)."""
    out = {
        "key": version.definition.key, "version": version.number, "name": version.name,
        "process_id": version.process_id, "sha256": version.bpmn_sha256,
        "triggers": version.triggers, "created_at": version.created_at.isoformat() + "Z",
        "created_by_id": version.created_by_id, "size": len(version.bpmn),
        "version_tag": version.version_tag,
    }
    if warnings:
        out["warnings"] = version_warnings(version)
        out["also_deployed"] = [v.definition.key for v in getattr(version, "deployed_with", [])]
    return out
