"""CRM tasks: about one or many records, with a responsible, observers and a deadline."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, delete, select

from crm import access
from crm.attributes import dept_path_for
from crm.entities import entity as entity_spec
from crm.entities import names
from crm.event_types import Change
from crm.events import record_change, record_update
from crm.models import CrmTask, TaskLink, TaskObserver
from crm.paging import Page, paginate
from crm.serialize import json_value
from crm.services.timeline import add_entry
from crm.services.versions import check_version, lock_row, lost_race
from crm.states import TaskStatus, TimelineKind
from crm.task_input import TaskInput, load_linked, parse_task, user_id
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import utcnow, valid_id

ROLES = ("all", "responsible", "observer", "created")
SORTABLE = {"id": None, "created_at": None, "updated_at": None, "deadline": "datetime",
            "title": "str", "status": None}
FILTERS = ("role", "status", "entity", "record_id", "responsible_id", "q")
SNAPSHOT_FIELDS = ("title", "description", "deadline", "status", "responsible_id")


def get_task(task_id: int, *, actor: Actor, action: str = "read", lock: bool = False) -> CrmTask:
    """A task the actor may read (404 otherwise), checked for `action` too; `lock` as get_record."""
    if lock:
        lock_row(CrmTask, task_id)
    task = db.session.get(CrmTask, task_id, populate_existing=lock)
    if task is None:
        raise NotFound(f"No task {task_id}")
    access.require(actor, "task", "read", task)
    if action != "read":
        access.require(actor, "task", action, task)
    return task


def create_task(data: dict, *, actor: Actor, right: str = "add") -> list[CrmTask]:
    """One task linked to every given record, or one per record with `per_record`.

    `right` is "add", or "import" for the rows of a CSV import."""
    access.require(actor, "task", right)
    parsed = parse_task(data, partial=False)
    records, errors = load_linked(parsed.links or [], actor)
    errors = {**parsed.errors, **errors}
    if parsed.per_record and not records and "links" not in errors:
        errors["links"] = "Choose at least one record for one task per record"
    if errors:
        raise ValidationError.from_fields(errors)
    groups = [[r] for r in records] if parsed.per_record else [records]
    tasks = [_insert(parsed, group, actor) for group in groups]
    db.session.flush()
    return tasks


def create_one_task(data: dict, *, actor: Actor, right: str = "add") -> CrmTask:
    """The registry's create hook: one task (a CSV row)."""
    return create_task(data, actor=actor, right=right)[0]


def _insert(parsed: TaskInput, records: list[object], actor: Actor) -> CrmTask:
    user = actor_user(actor)
    task = CrmTask(**parsed.values)
    if "responsible_id" not in parsed.values:
        task.responsible_id = None if user.is_system else user.id
    task.status = task.status or TaskStatus.OPEN
    task.description = task.description or ""
    task.created_by_id = user.id
    task.dept_path = dept_path_for(task.responsible_id)
    if task.status == TaskStatus.DONE:
        task.completed_at = utcnow()
    db.session.add(task)
    db.session.flush()
    _set_observers(task.id, parsed.observer_ids or [])
    for record in records:
        db.session.add(TaskLink(task_id=task.id, entity=record.entity, record_id=record.id))
        _log(record.entity, record.id, task, "Task created", actor)
    links = [{"entity": r.entity, "id": r.id} for r in records]
    snapshot = {name: [None, json_value(getattr(task, name))] for name in SNAPSHOT_FIELDS}
    snapshot["observer_ids"] = [None, list(parsed.observer_ids or [])]
    snapshot["links"] = [None, links]
    record_change("task", Change.CREATED, task.id, snapshot, actor=actor)
    return task


def update_task(task_id: int, data: dict, *, actor: Actor,
                if_match: Collection[int] | None = None) -> CrmTask:
    """Change fields (status open/done completes or reopens); log and record `task.updated`.

    Locked and version-checked like update_record; any change bumps the version."""
    task = get_task(task_id, actor=actor, action="edit", lock=True)
    check_version("Task", task, if_match)
    parsed = parse_task(data, partial=True)
    if isinstance(data, dict) and "links" in data:
        parsed.errors["links"] = "Linked records are set when the task is created"
    if isinstance(data, dict) and "per_record" in data:
        parsed.errors["per_record"] = "Only used when creating tasks"
    if parsed.errors:
        raise ValidationError.from_fields(parsed.errors)
    with db.session.no_autoflush:  # one UPDATE at the end: one version step per change
        changes = _assign(task, parsed)
        if changes:
            task.updated_at = utcnow()  # an observer-only change updates the row (and its version) too
        if "status" in changes:
            done = task.status == TaskStatus.DONE
            task.completed_at = utcnow() if done else None
            for entity, record_id in task_links(task.id):
                _log(entity, record_id, task, "Task completed" if done else "Task reopened", actor)
    if changes:
        record_update("task", task.id, changes, actor=actor)
    with lost_race("Task", task.id):
        db.session.flush()
    return task


def _assign(task: CrmTask, parsed: TaskInput) -> dict:
    changes: dict[str, list] = {}
    for name, value in parsed.values.items():
        old = getattr(task, name)
        if old != value:
            setattr(task, name, value)
            changes[name] = [json_value(old), json_value(value)]
    if "responsible_id" in changes:
        task.dept_path = dept_path_for(task.responsible_id)
    if parsed.observer_ids is not None:
        old_ids = observer_ids(task.id)
        if sorted(old_ids) != sorted(parsed.observer_ids):
            _set_observers(task.id, parsed.observer_ids)
            changes["observer_ids"] = [old_ids, parsed.observer_ids]
    return changes


def complete_task(task_id: int, *, actor: Actor) -> CrmTask:
    return update_task(task_id, {"status": TaskStatus.DONE}, actor=actor)


def reopen_task(task_id: int, *, actor: Actor) -> CrmTask:
    return update_task(task_id, {"status": TaskStatus.OPEN}, actor=actor)


def delete_task(task_id: int, *, actor: Actor, if_match: Collection[int] | None = None) -> None:
    """Delete a task, note it on its records' timelines and record `task.deleted`."""
    task = get_task(task_id, actor=actor, action="delete", lock=True)
    check_version("Task", task, if_match)
    links = task_links(task.id)
    snapshot = {name: [json_value(getattr(task, name)), None] for name in SNAPSHOT_FIELDS}
    snapshot["observer_ids"] = [observer_ids(task.id), None]
    snapshot["links"] = [[{"entity": e, "id": i} for e, i in links], None]
    for entity, record_id in links:
        _log(entity, record_id, task, "Task deleted", actor)
    db.session.execute(delete(TaskObserver).where(TaskObserver.task_id == task.id))
    db.session.execute(delete(TaskLink).where(TaskLink.task_id == task.id))
    db.session.delete(task)
    record_change("task", Change.DELETED, task_id, snapshot, actor=actor)


def list_tasks(*, actor: Actor, filters: dict | None = None, sort: str = "-id", limit: int = 50,
               cursor: str | None = None) -> Page:
    """One page of the tasks the actor may read, narrowed by role, status or linked record."""
    name = sort.lstrip("-")
    if name not in SORTABLE:
        raise ValidationError.from_fields({"sort": f"Sort by one of {', '.join(SORTABLE)}"})
    stmt = select_tasks(actor=actor, filters=filters)
    return paginate(stmt, CrmTask, sort, SORTABLE[name], limit, cursor, db.session)


def select_tasks(*, actor: Actor, filters: dict | None = None, action: str = "read") -> Select:
    """The tasks the actor may `action`, narrowed by the list filters (a Select to page or export)."""
    stmt = access.scope(select(CrmTask), "task", action, actor)
    return _filter(stmt, dict(filters or {}), actor_user(actor).id)


def _filter(stmt: Select, filters: dict, me: int) -> Select:
    errors = {k: "Cannot filter on this field" for k in filters if k not in FILTERS}
    role = str(filters.get("role") or "all")
    if role not in ROLES:
        errors["role"] = f"Must be one of {', '.join(ROLES)}"
    elif role == "responsible":
        stmt = stmt.where(CrmTask.responsible_id == me)
    elif role == "observer":
        stmt = stmt.where(CrmTask.id.in_(select(TaskObserver.task_id).where(TaskObserver.user_id == me)))
    elif role == "created":
        stmt = stmt.where(CrmTask.created_by_id == me)
    if filters.get("status"):
        statuses = str(filters["status"]).lower().split(",")
        if set(statuses) - set(TaskStatus):
            errors["status"] = "Must be open, done or both (open,done)"
        stmt = stmt.where(CrmTask.status.in_(statuses))
    if filters.get("responsible_id"):
        try:
            stmt = stmt.where(CrmTask.responsible_id == user_id(filters["responsible_id"]))
        except ValueError as exc:
            errors["responsible_id"] = str(exc)
    if filters.get("q"):
        stmt = stmt.where(db.func.lower(CrmTask.title).like(f"%{str(filters['q']).strip().lower()}%"))
    stmt = _filter_record(stmt, filters, errors)
    if errors:
        raise ValidationError.from_fields(errors)
    return stmt


def _filter_record(stmt: Select, filters: dict, errors: dict[str, str]) -> Select:
    """`entity` + `record_id`: the tasks about one record."""
    if not filters.get("entity") and not filters.get("record_id"):
        return stmt
    try:
        name = entity_spec(str(filters.get("entity") or "")).name
    except KeyError:
        errors["entity"] = f"Name the record type: {names(records_only=True)}"
        return stmt
    raw = str(filters.get("record_id") or "")
    if not valid_id(raw):
        errors["record_id"] = "Expected a record id"
        return stmt
    links = select(TaskLink.task_id).where(TaskLink.entity == name, TaskLink.record_id == int(raw))
    return stmt.where(CrmTask.id.in_(links))


def task_links(task_id: int) -> list[tuple[str, int]]:
    rows = db.session.execute(select(TaskLink.entity, TaskLink.record_id)
                              .where(TaskLink.task_id == task_id).order_by(TaskLink.id))
    return [(e, i) for e, i in rows]


def observer_ids(task_id: int) -> list[int]:
    return list(db.session.scalars(select(TaskObserver.user_id).where(TaskObserver.task_id == task_id)
                                   .order_by(TaskObserver.id)))


def _set_observers(task_id: int, ids: list[int]) -> None:
    db.session.execute(delete(TaskObserver).where(TaskObserver.task_id == task_id))
    for uid in ids:
        db.session.add(TaskObserver(task_id=task_id, user_id=uid))


def _log(entity: str, record_id: int, task: CrmTask, what: str, actor: Actor) -> None:
    """A "task" line on a linked record's timeline."""
    add_entry(entity, record_id, TimelineKind.TASK, actor=actor, summary=f"{what}: {task.title}",
              body=task.description or "",
              data={"task_id": task.id, "status": task.status, "title": task.title,
                    "deadline": json_value(task.deadline), "responsible_id": task.responsible_id})

