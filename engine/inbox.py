"""The human-task inbox: rows written by the runtime, listed, claimed and completed by people.

`sync_human_tasks` runs inside the runtime's step transaction. Everything else reads only
`human_task` and `human_task_candidate` (indexed), never a workflow.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, exists, insert, select
from sqlalchemy.orm import make_transient_to_detached

from engine import forms
from engine.assignment import Assignment, resolve_assignment, user_group_keys
from engine.inbox_view import list_inbox, task_to_dict
from engine.models import HumanTask, HumanTaskCandidate, InstanceEvent
from engine.states import HumanTaskState
from engine.step_rows import store_changes
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.admin import acts_as_admin
from org.models import User, utcnow
from org.signals import user_dismissed

__all__ = ["claim_task", "complete_task", "get_task", "list_inbox", "may_work", "release_task",
           "release_tasks_of", "sync_human_tasks", "task_to_dict"]


# ---- written by the runtime -------------------------------------------------------------

def sync_human_tasks(instance: object, open_user_tasks: list[dict], variables: dict, *,
                     completed_uuids: Iterable[str] = (), fresh: bool = False) -> list[HumanTask]:
    """Insert rows for new open user tasks, close rows whose task is gone; the caller commits.

    Each task dict: task_uuid, element_id, name, form (fields), assignee, candidate_users,
    candidate_groups, lane, due_at (optional; also read from `extensions`). A gone task is
    "completed" when it was completed through the inbox (or is in `completed_uuids`), else
    "cancelled" (interrupted by a boundary event, terminated...). `fresh`: the instance has no
    human task row yet (no query).
    """
    rows = {} if fresh else {r.task_uuid: r for r in db.session.scalars(
        _rows_query(), {"instance_id": instance.id})}
    open_now: list[HumanTask] = []
    for task in open_user_tasks:
        uuid = task_uuid_of(task)
        row = rows.get(uuid)
        if row is None:
            row = _insert(instance, uuid, task, variables)
        elif row.state != HumanTaskState.OPEN:
            _reopen(instance, row, task, variables)
        open_now.append(row)
    finished = set(completed_uuids)
    open_ids = {r.task_uuid for r in open_now}
    for row in rows.values():
        if row.state == HumanTaskState.OPEN and row.task_uuid not in open_ids:
            done = row.task_uuid in finished
            close_row(row, HumanTaskState.COMPLETED if done else HumanTaskState.CANCELLED)
    db.session.flush()
    return open_now


@cache  # the statement, not its rows: built once per process (every later step asks)
def _rows_query() -> Select:
    return select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"))


def task_uuid_of(task: dict) -> str:
    """The task's uuid, whichever key the runner used."""
    return str(task.get("task_uuid") or task.get("task_id") or task.get("id"))


def _insert(instance: object, uuid: str, task: dict, variables: dict) -> HumanTask:
    # the assignee is resolved first: the row is inserted with it (no UPDATE right after)
    assignment = resolve_assignment(task, variables, responsible_id=_responsible_of(instance))
    row = HumanTask(
        instance_id=instance.id, task_uuid=uuid, element_id=str(task.get("element_id") or ""),
        name=str(task.get("name") or task.get("element_id") or "")[:255],
        entity=instance.entity, entity_id=instance.entity_id,
        form=normalise_form(task.get("form") or []), state=HumanTaskState.OPEN,
        due_at=_due(task.get("due_at") or task.get("due_date")), assignee_id=assignment.assignee_id,
        created_at=utcnow(),
    )
    _attach_camunda_form(instance, row, task.get("camunda_form"), variables)
    _store(row)  # its id, for the candidate rows
    _write_assignment(instance, row, assignment)
    return row


def _store(row: HumanTask) -> None:
    """INSERT a new row (Core: the ORM's flush of one row cost more CPU than its statement) and
    keep it in the session as a loaded row, every column set, as the flush would have."""
    db.session.flush()  # what the session holds goes first (the instance, if new), as before
    given = row.__dict__  # the columns left unset are not sent: Core applies their Column default
    values = {key: given[key] for key in _COLUMNS if key in given}
    # on the session's connection: Session.execute would autoflush again
    result = db.session.connection().execute(_insert_task(), values)
    row.id, sent = result.scalar_one(), result.last_inserted_params()  # given + defaults
    for key in _COLUMNS:  # set as loaded, not expired (a server default's column loads if read)
        if key not in given and (key in sent or key not in _SERVER_DEFAULTED):
            setattr(row, key, sent.get(key))
    make_transient_to_detached(row)
    db.session.add(row)


_COLUMNS = tuple(c.key for c in HumanTask.__mapper__.column_attrs if c.key != "id")
_SERVER_DEFAULTED = frozenset(c.key for c in HumanTask.__table__.c if c.server_default is not None)


@cache  # the statement, not its rows; its id read back by RETURNING, so the rows an engine step
def _insert_task() -> object:  # kept (deferred_rows) go in the same statement
    return insert(HumanTask.__table__).returning(HumanTask.__table__.c.id)


def _attach_camunda_form(instance: object, row: HumanTask, ref: dict | None, variables: dict) -> None:
    """Fix the Camunda Form version the task shows and the variables its fields start from."""
    if not ref:
        return
    from engine.camunda_forms import form_input, resolve_form
    from engine.models import ProcessVersion

    try:
        form = resolve_form(ref, db.session.get(ProcessVersion, instance.version_id))
    except (NotFound, ValueError) as exc:  # checked at deploy time; a dropped database row is logged
        db.session.add(InstanceEvent(instance_id=instance.id, kind="form_missing", element_id=row.element_id,
                                     message=str(exc), data={"task_uuid": row.task_uuid}))
        return
    row.camunda_form_id, row.form_input = form.id, form_input(form, variables)


def _assign(instance: object, row: HumanTask, task: dict, variables: dict) -> None:
    """Resolve the assignee and write the candidate rows (which exist for open tasks only)."""
    assignment = resolve_assignment(task, variables, responsible_id=_responsible_of(instance))
    _write_assignment(instance, row, assignment)


def _write_assignment(instance: object, row: HumanTask, assignment: Assignment) -> None:
    row.assignee_id = assignment.assignee_id
    for user_id in assignment.user_ids:
        db.session.add(HumanTaskCandidate(human_task_id=row.id, user_id=user_id))
    for key in assignment.group_keys:
        db.session.add(HumanTaskCandidate(human_task_id=row.id, group_key=key[:100]))
    _log_notes(instance, row, assignment)


def _reopen(instance: object, row: HumanTask, task: dict, variables: dict) -> None:
    """A retried task that runs again (same uuid) is open again, assigned afresh."""
    row.state = HumanTaskState.OPEN
    row.completed_at = row.completed_by_id = row.data = None
    row.claimed_at = row.claimed_by_id = None
    _assign(instance, row, task, variables)


def close_row(row: HumanTask, state: str, *, candidates: bool = True) -> None:
    """Close a task; its candidate rows go, so group lookups only ever read open tasks.

    `candidates=False`: the caller knows the task has none (no DELETE to send)."""
    row.state = state
    row.completed_at = utcnow()
    if candidates:
        db.session.execute(delete(HumanTaskCandidate).where(HumanTaskCandidate.human_task_id == row.id))


def _log_notes(instance: object, row: HumanTask, assignment: Assignment) -> None:
    for note in assignment.notes:
        db.session.add(InstanceEvent(
            instance_id=instance.id, kind="assignment", element_id=row.element_id, message=note,
            data={"task_uuid": row.task_uuid, "assignee_id": row.assignee_id,
                  "candidate_user_ids": assignment.user_ids, "groups": assignment.group_keys}))


def _responsible_of(instance: object) -> int | None:
    """The record's current responsible (not the snapshot in the variables), else the initiator."""
    from crm.entities import ENTITIES
    from engine.step_rows import responsible_id_of

    responsible = None
    if instance.entity in ENTITIES and instance.entity_id is not None:
        responsible = responsible_id_of(ENTITIES[instance.entity].model, instance.entity_id)
    if responsible:
        return responsible
    return instance.on_behalf_of_id or instance.started_by_id


def _due(raw: object) -> datetime | None:
    """A due time (datetime or ISO text) as naive UTC."""
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(raw, datetime):
        return None
    return raw.astimezone(UTC).replace(tzinfo=None) if raw.tzinfo else raw


def normalise_form(fields: list) -> list[dict]:
    """Form fields in the stored shape {id, type, label, default, required, options, min, max...}."""
    out = []
    for f in fields:
        if not isinstance(f, dict):
            continue
        validation = {str(v.get("name")): v.get("config") for v in f.get("validation") or []
                      if isinstance(v, dict)}
        validation.update(f.get("constraints") or {})
        item = {
            "id": str(f.get("id")), "type": f.get("type") or "string",
            "label": f.get("label") or str(f.get("id")),
            "default": f.get("default", f.get("default_value")),
            "required": bool(f.get("required", "required" in validation)),
            "options": [_option(o) for o in f.get("options") or []],
        }
        for key in ("min", "max", "minlength", "maxlength"):
            value = f.get(key, validation.get(key))
            if value not in (None, ""):
                item[key] = value
        if f.get("readonly") or "readonly" in validation:
            item["readonly"] = True
        if f.get("properties"):  # camunda:properties of the field (placeholder, help...)
            item["properties"] = {str(k): str(v) for k, v in dict(f["properties"]).items()}
        out.append(item)
    return out


def _option(option: object) -> dict:
    if isinstance(option, dict):
        return {"id": str(option.get("id")), "name": str(option.get("name", option.get("id")))}
    if isinstance(option, (list, tuple)) and len(option) == 2:
        return {"id": str(option[0]), "name": str(option[1])}
    return {"id": str(option), "name": str(option)}


# ---- people -------------------------------------------------------------------------------

def _load(task_id: int, *, lock: bool = False) -> HumanTask:
    locked = lock and db.engine.dialect.name == "postgresql"
    row = db.session.scalar(_task_query(locked), {"task_id": task_id})
    if row is None:
        raise NotFound(f"No inbox task {task_id}")
    return row


def _load_to_complete(task_id: int) -> tuple[HumanTask, bool]:
    """The task, locked, and whether it has candidate rows (read along: no DELETE when it has none).

    Candidate rows are written only with the open row they belong to (`_insert`, `_reopen`),
    in the same transaction, so the row this reads open comes with all of its candidates."""
    found = db.session.execute(_task_query(db.engine.dialect.name == "postgresql", candidates=True),
                               {"task_id": task_id}).first()
    if found is None:
        raise NotFound(f"No inbox task {task_id}")
    return found[0], bool(found[1])


# Built once: a statement object keeps its cache key, which a fresh one computes again per request.
@cache
def _task_query(lock: bool, *, candidates: bool = False) -> Select:
    columns = [HumanTask]
    if candidates:
        columns.append(exists().where(HumanTaskCandidate.human_task_id == HumanTask.id))
    query = select(*columns).where(HumanTask.id == bindparam("task_id"))
    return query.with_for_update(of=HumanTask) if lock else query


def get_task(task_id: int, *, actor: Actor) -> HumanTask:
    """A task the actor may see: theirs, their groups', one they completed; admins see all."""
    row = _load(task_id)
    user = actor_user(actor)
    if not (may_work(row, user) or row.completed_by_id == user.id or row.claimed_by_id == user.id
            or acts_as_admin(user)):
        raise Forbidden("This task is not yours")
    return row


def may_work(row: HumanTask, user: object) -> bool:
    """The assignee, or (while unassigned) a candidate user or a member of a candidate group."""
    if row.assignee_id is not None:
        return row.assignee_id == user.id
    keys = set(user_group_keys(user))
    for cand in db.session.scalars(select(HumanTaskCandidate).where(
            HumanTaskCandidate.human_task_id == row.id)):
        if cand.user_id == user.id or (cand.group_key and cand.group_key in keys):
            return True
    return False


def _require_open_and_mine(row: HumanTask, user: object) -> None:
    """409 for a closed task (whoever asks: a group's second taker learns it is done), else 403."""
    if row.state != HumanTaskState.OPEN:
        raise Conflict(f"The task is already {row.state}")
    if row.assignee_id is not None and row.assignee_id != user.id:
        raise Forbidden("The task is assigned to someone else")
    if not may_work(row, user):
        raise Forbidden("This task is not yours")


def claim_task(task_id: int, *, actor: Actor) -> HumanTask:
    """Take an open task: it becomes the actor's and leaves the group's inbox."""
    user = actor_user(actor)
    row = _load(task_id, lock=True)
    _require_open_and_mine(row, user)
    if row.assignee_id != user.id:
        row.assignee_id = user.id
        row.claimed_by_id = user.id
        row.claimed_at = utcnow()
        _event(row, "task_claimed", user, f"{user.full_name} claimed {row.name}")
    db.session.flush()
    return row


def release_task(task_id: int, *, actor: Actor) -> HumanTask:
    """Give a claimed task back to its candidates."""
    user = actor_user(actor)
    row = _load(task_id, lock=True)
    if row.state != HumanTaskState.OPEN:
        raise Conflict(f"The task is already {row.state}")
    if row.claimed_by_id != user.id or row.assignee_id != user.id:
        raise Forbidden("Only the person who claimed the task can release it")
    row.assignee_id = None
    row.claimed_by_id = None
    row.claimed_at = None
    _event(row, "task_released", user, f"{user.full_name} released {row.name}")
    db.session.flush()
    return row


def complete_task(task_id: int, data: object, *, actor: Actor) -> HumanTask:
    """Check the data against the form (422 per field), then let the runtime continue."""
    user = actor_user(actor)
    row, has_candidates = _load_to_complete(task_id)
    _require_open_and_mine(row, user)
    result = _clean(row, data)
    if result.errors:
        raise ValidationError.from_fields(result.errors)
    row.completed_by_id = user.id
    row.data = result.values
    if row.assignee_id is None:
        row.assignee_id = user.id
    close_row(row, HumanTaskState.COMPLETED, candidates=has_candidates)  # last: one UPDATE of the row
    store_changes(row)  # that UPDATE without the ORM's flush machinery
    db.session.flush()  # anything else the request changed, as before
    from engine.runtime import complete_user_task  # runs on in this transaction, or raises Conflict

    complete_user_task(row.instance_id, row.task_uuid, result.values, actor=actor)
    return row


def _clean(row: HumanTask, data: object) -> forms.FormResult:
    """Check completion data against the task's Camunda Form, else its embedded form fields."""
    if row.camunda_form_id is None:
        return forms.clean_form(row.form or [], data)
    from engine.form_models import CamundaForm
    from engine.form_schema import clean_submission

    return clean_submission(db.session.get(CamundaForm, row.camunda_form_id).schema, data, row.form_input)


def _event(row: HumanTask, kind: str, user: object, message: str) -> None:
    db.session.add(InstanceEvent(instance_id=row.instance_id, kind=kind, element_id=row.element_id,
                                 actor_id=user.id, message=message, data={"task_uuid": row.task_uuid}))


# ---- people who leave ---------------------------------------------------------------------

def release_tasks_of(user_id: int, *, actor_id: int | None = None) -> list[HumanTask]:
    """A dismissed user's open tasks go back to their other candidates, or (with none) to the
    user's department head; they stop being a candidate. Each move is logged; the caller commits."""
    from org.services.departments import head_for

    user = db.session.get(User, user_id)
    db.session.execute(delete(HumanTaskCandidate).where(HumanTaskCandidate.user_id == user_id))
    rows = list(db.session.scalars(select(HumanTask).where(
        HumanTask.assignee_id == user_id, HumanTask.state == HumanTaskState.OPEN).order_by(HumanTask.id)))
    head = head_for(user) if rows else None
    for row in rows:
        has_candidates = db.session.scalar(select(HumanTaskCandidate.id).where(
            HumanTaskCandidate.human_task_id == row.id).limit(1)) is not None
        row.claimed_by_id = row.claimed_at = None
        if has_candidates:
            row.assignee_id = None
            where = "went back to its candidates"
        elif head is not None:
            row.assignee_id = head.id
            where = f"went to the department head {head.full_name}"
        else:
            row.assignee_id = None
            where = "has no candidates and no department head: only administrators see it"
        db.session.add(InstanceEvent(
            instance_id=row.instance_id, kind="task_reassigned", element_id=row.element_id,
            actor_id=actor_id, message=f"{user.full_name} was dismissed: {row.name} {where}",
            data={"task_uuid": row.task_uuid, "from_user_id": user_id, "assignee_id": row.assignee_id}))
    db.session.flush()
    return rows


@user_dismissed.connect
def _on_user_dismissed(sender: object, user_id: int, actor_id: int | None = None, **_: object) -> None:
    release_tasks_of(user_id, actor_id=actor_id)
