"""The rows a step writes beside its instance: its log, its timers and its message waits; and
the record it reads for a new user task's assignee, with the responsible user in one SELECT.

The log goes in one batched INSERT (instance_event rows need no id back); the wait rows are
synced only for the kinds the instance may hold before the step or holds after it
(engine.spiff.wait_kinds): a first step, or a process without timers, queries nothing for them.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, delete, insert, inspect, select, update
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from crm.event_types import GENERIC_ENTITY
from deferred_rows import defer_insert, defer_update
from engine import spiff_adapter as spiff
from engine.messages import is_record_message
from engine.models import EngineTimer, InstanceEvent, MessageWait, ProcessInstance
from engine.spiff import wait_kinds
from extensions import db
from org.models import User, utcnow

__all__ = ["held", "insert_rows", "note_kinds", "responsible_id_of", "store_changes", "sync_timers",
           "sync_waits", "write_events"]


def held(wf: Any) -> frozenset[str]:
    """The kinds of wait rows the instance may hold before its step."""
    return wait_kinds.held(wf)


def note_kinds(wf: Any, before: frozenset[str], result: Any) -> None:
    """Note in the state the kinds the instance holds after the step's sync.

    Timers, worker tasks and message waits the step no longer has are closed or deleted; human
    task rows stay (closed) and a retried task reopens its row, so that kind, once held, stays.
    """
    kinds = {kind for kind, rows in ((wait_kinds.HUMAN, result.user_tasks),
                                     (wait_kinds.EXTERNAL, result.external_tasks),
                                     (wait_kinds.TIMER, result.timers),
                                     (wait_kinds.MESSAGE, result.messages)) if rows}
    wait_kinds.note(wf, kinds | (before & {wait_kinds.HUMAN}))


def store_changes(obj: Any, *, owned: bool = False) -> bool:
    """Write a loaded object's changed columns now, one UPDATE by its id (and version counter).

    `owned`: no other transaction can change the row (the relay's new instance; an activation
    after its instance's checked UPDATE): the UPDATE goes with the transaction's next statement
    (deferred_rows.defer_update), no row count read.

    The ORM's flush of the same UPDATE (unit-of-work sort, version bookkeeping) cost more CPU than
    the statement. No row matched raises StaleDataError as the flush would (for the instance: a
    concurrent step won); the object is then clean, so no later flush writes it again. False: left
    to the flush (a new or expired object, a relationship changed).
    """
    state = inspect(obj)
    shape, changed = _shape(state.mapper), state.committed_state
    if (state.key is None or not changed or not shape.columns.issuperset(changed) or state.expired_attributes
            or (shape.version is not None and shape.version not in state.dict)):
        return False
    values = {key: state.dict[key] for key in changed if state.dict[key] != changed[key]}
    params = {"id_": state.key[1][0]}
    if values:
        values.update({key: make() for key, make in shape.onupdate if key not in values})
        if shape.version is not None:
            params["version_"] = changed.get(shape.version, state.dict[shape.version])
            values[shape.version] = params["version_"] + 1
        if owned:
            defer_update(state.mapper.local_table, params["id_"], values)
            matched = 1
        else:  # on the session's connection: Session.execute would autoflush (write the object itself)
            matched = db.session.connection().execute(_update_of(state.mapper, tuple(values)),
                                                      {**values, **params}).rowcount
        if matched != 1:
            raise StaleDataError(f"UPDATE statement on table '{shape.table}' expected to update 1 row(s); "
                                 f"{matched} were matched.")
        state.dict.update(values)
    state._commit_all(state.dict, db.session.identity_map)  # what a flush does after its UPDATE
    return True


class _Shape(NamedTuple):
    columns: frozenset[str]  # the plain columns an UPDATE may write
    version: str | None  # the mapper's version counter
    onupdate: tuple[tuple[str, Callable[[], Any]], ...]  # columns set on every UPDATE, as the flush does
    table: str


@cache  # per mapped class
def _shape(mapper: Any) -> _Shape:
    table = mapper.local_table
    assert len(table.primary_key.columns) == 1 and "id" in table.c, table
    version = mapper.version_id_col.key if mapper.version_id_col is not None else None
    onupdate = tuple((c.key, lambda arg=c.onupdate.arg: arg(None)) for c in table.c
                     if c.onupdate is not None and c.onupdate.is_callable)
    return _Shape(frozenset(c.key for c in mapper.column_attrs) - {"id"}, version, onupdate, table.name)


@cache  # the statement, not its rows: built once per set of changed columns
def _update_of(mapper: Any, keys: tuple[str, ...]) -> Any:
    table = mapper.local_table
    where = [table.c.id == bindparam("id_")]
    if mapper.version_id_col is not None:
        where.append(mapper.version_id_col == bindparam("version_"))
    return update(table).where(*where).values({key: bindparam(key) for key in keys})


def insert_rows(model: Any, rows: list[dict]) -> None:
    """Insert rows (same keys each) after what the session holds (ids in order): on PostgreSQL
    sent with the transaction's next statement (deferred_rows), on SQLite in one executemany."""
    if not rows:
        return
    db.session.flush()
    if db.session.connection().dialect.name == "postgresql":
        for row in rows:
            defer_insert(model.__table__, row)
    else:
        db.session.execute(_insert_of(model), rows)


@cache  # the statement, not its rows: built once per table (every step inserts twice)
def _insert_of(model: Any) -> Any:
    return insert(model.__table__)


def write_events(instance_id: int, entries: list[dict]) -> None:
    """The step's log entries {kind, element_id, message, data, actor_id...} in one INSERT."""
    now = utcnow()
    insert_rows(InstanceEvent, [
        {"instance_id": instance_id, "kind": e["kind"], "element_id": e.get("element_id"),
         "actor_id": e.get("actor_id"), "on_behalf_of_id": e.get("on_behalf_of_id"),
         "message": e.get("message") or "", "data": e.get("data"), "created_at": now} for e in entries])


def sync_timers(instance: ProcessInstance, timers: list[dict], fresh: bool) -> None:
    """Keep one unfired row per waiting timer; rows whose timer is gone are fired or cancelled.

    `fresh`: the instance holds no timer row (no query)."""
    now = utcnow()
    rows = {} if fresh else {t.task_uuid: t for t in db.session.scalars(select(EngineTimer).where(
        EngineTimer.instance_id == instance.id, EngineTimer.fired_at.is_(None)))}
    waiting = {str(t["task_uuid"]): t for t in timers}
    for uuid, row in rows.items():
        if uuid not in waiting:
            if row.due_at <= now:
                row.fired_at = now
            else:
                db.session.delete(row)
    for uuid, timer in waiting.items():
        row = rows.get(uuid)
        if row is None:
            db.session.add(EngineTimer(instance_id=instance.id, element_id=timer["element_id"],
                                       task_uuid=uuid, due_at=timer["due_at"]))
        elif row.due_at != timer["due_at"]:
            row.due_at = timer["due_at"]


def sync_waits(instance: ProcessInstance, messages: list[dict], variables: dict, fresh: bool) -> None:
    """One message_wait row per record-event message the instance waits for.

    `fresh`: the instance holds no message_wait row (nothing to delete)."""
    if not fresh:
        db.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    for msg in messages:
        entity, _, _action = msg["name"].partition(".")
        if msg["name"] in spiff.RECORD_MESSAGES or entity == GENERIC_ENTITY:
            entity = instance.entity  # email.received, record.deleted: about its own record
        entity_id = instance.entity_id if entity == instance.entity else variables.get(f"{entity}_id")
        if not is_record_message(msg["name"]) or msg.get("kind", "message") != "message":
            entity = entity_id = None  # a named message or a signal: not about a record
        db.session.add(MessageWait(
            instance_id=instance.id, element_id=msg["element_id"], message_name=msg["name"][:100],
            entity=entity, entity_id=entity_id if isinstance(entity_id, int) else None,
            condition=msg.get("condition"), kind=msg.get("kind", "message")))


def responsible_id_of(model: Any, record_id: int) -> int | None:
    """The record's responsible user id (None without one), the user read in the same SELECT into
    the session.

    A user task's assignee is most often the record's responsible (engine.assignment reads
    them by id next): one statement instead of two, and only the record's responsible_id,
    not the whole record. A record the session holds costs none.
    """
    held_record = db.session.identity_map.get(identity_key(model, record_id))
    if held_record is not None:
        record = db.session.get(model, record_id)  # refreshed if expired, as before
        return None if record is None else record.responsible_id
    row = db.session.execute(_record_query(model), {"record_id": record_id}).first()
    return None if row is None else row[0]


@cache  # the statement, not its rows: built once per record type
def _record_query(model: Any) -> Select:
    return (select(model.responsible_id, User).outerjoin(User, User.id == model.responsible_id)
            .where(model.id == bindparam("record_id")))
