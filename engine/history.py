"""The history of element activations: recorded per engine step, queried per instance or process,
summed up as a heat map (average and p90 time per element), and cleaned up after
`camunda:historyTimeToLive` days.

Recording costs one SELECT of the instance's open activations (none in its first step) and one
batched INSERT (an executemany: the rows need no id back) per step; the rows are written in the
step's own transaction, so the history is as atomic as the step.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update

from engine import spiff_adapter as spiff
from engine.deploy import get_definition, get_version, require_designer
from engine.history_models import ACTIVE, CANCELLED, COMPLETED, ElementActivation
from engine.instances import get_instance
from engine.models import HumanTask, ProcessInstance, ProcessVersion
from errors import ValidationError
from extensions import db
from org.actors import Actor
from org.models import utcnow

MAX_VARIABLES = 30


def _ms(row: ElementActivation) -> int | None:
    if row.ended_at is None:
        return None
    return max(0, int((row.ended_at - row.started_at).total_seconds() * 1000))


def _changed_names(log: list[dict]) -> list[str] | None:
    names = sorted({k for entry in log if entry.get("kind") == "data" for k in entry.get("data") or {}})
    return names[:MAX_VARIABLES] or None


def _close(row: ElementActivation, state: str, ended: Any, variables: list[str] | None) -> None:
    row.state, row.ended_at = state, ended
    row.duration_ms = _ms(row)
    if variables and row.element_type.endswith("Task"):
        row.variables = variables


def _new_row(instance: ProcessInstance, act: dict, state: str, variables: list[str] | None) -> dict:
    """A row to insert, every column set (the batch's rows share their keys)."""
    ended = act["ended_at"] if state != ACTIVE else None
    ms = None if ended is None else max(0, int((ended - act["started_at"]).total_seconds() * 1000))
    return {"instance_id": instance.id, "version_id": instance.version_id, "task_uuid": act["task_uuid"],
            "element_id": act["element_id"], "element_type": act["element_type"], "state": state,
            "started_at": act["started_at"], "ended_at": ended, "duration_ms": ms,
            "variables": variables if variables and act["element_type"].endswith("Task") else None}


def record_step(instance: ProcessInstance, wf: Any, step: Any, form: tuple[str, dict] | None = None) -> None:
    """Write the step's activations: close open rows that finished, add new ones (one batched INSERT).

    `form`: (task uuid, data) of the user task completed before the step: its row keeps the
    names of the form's variables.
    """
    completed, open_, fresh = step.activations
    variables = _changed_names(step.log)
    # a first step has nothing recorded yet: no query (a round trip saved per start)
    active, seen = ({}, set()) if fresh else _known(instance.id, completed)
    rows = dict(active)
    still_open = {a["task_uuid"] for a in open_}
    now, new = utcnow(), []
    for act in completed:
        if act["task_uuid"] in seen:  # recorded already (a task reported twice, a repeated step)
            continue
        seen.add(act["task_uuid"])
        row = rows.pop(act["task_uuid"], None)
        if row is not None:
            _close(row, COMPLETED, act["ended_at"], variables)
        else:
            new.append(_new_row(instance, act, COMPLETED, variables))
    for uuid, row in rows.items():
        if uuid not in still_open:  # finished before the step (a completed user task, a fired timer)
            _close(row, spiff.task_outcome(wf, uuid), now, variables)
    new += [_new_row(instance, act, ACTIVE, None)
            for act in open_ if act["task_uuid"] not in rows and act["task_uuid"] not in seen]
    if form is not None:  # before the flush below: one UPDATE of the row
        _note_form(instance.id, active, *form)
    from engine.step_rows import insert_rows, store_changes

    if len(active) == 1:  # most steps close one row: its UPDATE without the flush (several: batched by it),
        # with the step's next statement: the instance's UPDATE, lock_version checked, came first
        store_changes(next(iter(active.values())), owned=True)
    insert_rows(ElementActivation, new)


def _known(instance_id: int, completed: list[dict]) -> tuple[dict[str, ElementActivation], set[str]]:
    """(the instance's open rows by task id, the tasks among `completed` with a finished row): one query."""
    uuids = [a["task_uuid"] for a in completed]
    params = {"instance_id": instance_id, "uuids": uuids} if uuids else {"instance_id": instance_id}
    with db.session.no_autoflush:  # the step's own rows are flushed once, with its log
        found = list(db.session.scalars(_known_query(bool(uuids)), params))
    active = {r.task_uuid: r for r in found if r.state == ACTIVE}
    return active, {r.task_uuid for r in found if r.state != ACTIVE}


@cache  # the statement, not its rows: built once per shape (every step asks)
def _known_query(with_uuids: bool) -> Select:
    wanted = ElementActivation.state == ACTIVE
    if with_uuids:
        wanted = or_(wanted, ElementActivation.task_uuid.in_(bindparam("uuids", expanding=True)))
    return select(ElementActivation).where(ElementActivation.instance_id == bindparam("instance_id"), wanted)


def _note_form(instance_id: int, active: dict[str, ElementActivation], task_uuid: str, data: dict) -> None:
    """The form's variables on the completed task's row (loaded: no statement of its own)."""
    row = active.get(task_uuid)
    if row is None:
        note_form_data(instance_id, task_uuid, data)
    else:
        row.variables = sorted(data)[:MAX_VARIABLES] or None


def note_form_data(instance_id: int, task_uuid: str, data: dict) -> None:
    """Keep the names of the variables a user task's form set on its activation."""
    db.session.execute(update(ElementActivation).where(
        ElementActivation.instance_id == instance_id, ElementActivation.task_uuid == task_uuid)
        .values(variables=sorted(data)[:MAX_VARIABLES] or None))


def close_open(instance_id: int) -> None:
    """Cancel the open activations of an instance that ended without the engine (terminated)."""
    for row in db.session.scalars(select(ElementActivation).where(
            ElementActivation.instance_id == instance_id, ElementActivation.state == ACTIVE)):
        _close(row, CANCELLED, utcnow(), None)


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def activation_dict(row: ElementActivation, completed_by: int | None = None) -> dict:
    """An activation as the API shows it."""
    return {"id": row.id, "instance_id": row.instance_id, "element_id": row.element_id,
            "element_type": row.element_type, "state": row.state, "started_at": _iso(row.started_at),
            "ended_at": _iso(row.ended_at), "duration_ms": row.duration_ms,
            "completed_by_id": completed_by, "variables": row.variables or []}


def _with_completers(rows: list[ElementActivation]) -> list[dict]:
    """Rows as dicts, user tasks with who completed them (from the human_task rows)."""
    uuids = [r.task_uuid for r in rows if r.element_type == "UserTask"]
    query = select(HumanTask.task_uuid, HumanTask.completed_by_id).where(HumanTask.task_uuid.in_(uuids))
    who = {uuid: user for uuid, user in db.session.execute(query)} if uuids else {}
    return [activation_dict(r, who.get(r.task_uuid)) for r in rows]


def instance_history(instance_id: int, *, actor: Actor) -> list[dict]:
    """Every activation of an instance the actor may read, in order."""
    instance = get_instance(instance_id, actor=actor)
    rows = list(db.session.scalars(select(ElementActivation).where(
        ElementActivation.instance_id == instance.id).order_by(ElementActivation.started_at,
                                                              ElementActivation.id)))
    return _with_completers(rows)


def process_history(key: str, *, actor: Actor, element: str | None = None, limit: int = 200,
                    before: int | None = None) -> list[dict]:
    """Activations of every version of a process (designers), newest first, optionally of one element."""
    require_designer(actor)
    definition = get_definition(key)
    query = (select(ElementActivation).join(ProcessVersion, ProcessVersion.id == ElementActivation.version_id)
             .where(ProcessVersion.definition_id == definition.id)
             .order_by(ElementActivation.id.desc()).limit(limit))
    if element:
        query = query.where(ElementActivation.element_id == element)
    if before:
        query = query.where(ElementActivation.id < before)
    return _with_completers(list(db.session.scalars(query)))


def _p90(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 9 // 10) - 1))]


def heatmap(key: str, version: int | None, *, actor: Actor) -> dict:
    """Per element of a version (default: the latest): count, average and p90 of finished
    activations in ms, and how many are active now (designers)."""
    require_designer(actor)
    definition = get_definition(key)
    number = version if version is not None else max((v.number for v in definition.versions), default=0)
    if number < 1:
        raise ValidationError.from_fields({"version": "The process has no version"})
    row = get_version(key, number)
    durations: dict[str, list[int]] = {}
    active: dict[str, int] = {}
    for element, state, ms in db.session.execute(select(
            ElementActivation.element_id, ElementActivation.state, ElementActivation.duration_ms)
            .where(ElementActivation.version_id == row.id)):
        if state == ACTIVE:
            active[element] = active.get(element, 0) + 1
        elif state == COMPLETED and ms is not None:
            durations.setdefault(element, []).append(ms)
    elements = {}
    for element in sorted(set(durations) | set(active)):
        values = durations.get(element, [])
        elements[element] = {"count": len(values), "active": active.get(element, 0),
                             "avg_ms": int(sum(values) / len(values)) if values else None,
                             "p90_ms": _p90(values) if values else None}
    return {"key": key, "version": number, "elements": elements}
