"""Merge two to five CRM records into one: chosen field values, everything that points at the
others moved to the survivor, the others deleted through delete_record (their events fire).

Packages above crm (mail, calendars, engine) register a mover for their own tables that name
records (`register_mover`), so this module never imports them. One unit of work: the caller
commits once, and any refusal leaves nothing changed.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import aliased

from crm import access
from crm.dedupe import set_keys
from crm.entities import ENTITIES, Entity, record_title
from crm.events import record_update
from crm.models import TaskLink, TimelineEntry
from crm.serialize import emails_of, json_value
from crm.services.records import delete_record, get_record, spec_of, update_record
from crm.services.timeline import add_entry
from crm.states import FieldKind, TimelineKind
from errors import Forbidden, ValidationError
from extensions import db
from org.actors import Actor
from org.models import valid_id

MAX_RECORDS = 5
# name -> fn(entity, from_ids, to_id) -> rows moved
Mover = Callable[[str, list[int], int], int]
MOVERS: dict[str, Mover] = {}


def register_mover(name: str, fn: Mover) -> None:
    """Add a mover of rows that name a record by (entity, id); merging calls every one."""
    MOVERS[name] = fn


def move_rows(model: type, entity: str, from_ids: list[int], to_id: int, *, entity_col: str = "entity",
              id_col: str = "record_id", unique: tuple[str, ...] = ()) -> int:
    """Point rows of `model` about `from_ids` at `to_id`; where the survivor already has a row
    equal in the `unique` columns (a unique constraint), the other's row is dropped instead."""
    ent, rid = getattr(model, entity_col), getattr(model, id_col)
    about = and_(ent == entity, rid.in_(from_ids))
    if unique:
        twin = aliased(model)
        same = and_(getattr(twin, entity_col) == entity, getattr(twin, id_col) == to_id,
                    *[getattr(twin, c) == getattr(model, c) for c in unique])
        db.session.execute(delete(model).where(about, exists().where(same)))
        # two losers with the same row: keep one (the lowest id) to move
        first = select(db.func.min(model.id)).where(about).group_by(*[getattr(model, c) for c in unique])
        db.session.execute(delete(model).where(about, model.id.not_in(first.scalar_subquery())))
    result = db.session.execute(update(model).where(about).values({id_col: to_id}),
                                execution_options={"synchronize_session": False})
    return result.rowcount or 0


def _move_references(spec: Entity, from_ids: list[int], to_id: int, actor: Actor) -> int:
    """Records whose reference column (a deal's company, a contact's lead) names a merged record:
    changed like an edit (version bumped, `<entity>.updated` recorded) so search and triggers see it."""
    moved = 0
    table = spec.model.__table__
    for other in ENTITIES.values():
        for column in other.model.__table__.columns:
            if not any(fk.column.table is table for fk in column.foreign_keys):
                continue
            col = getattr(other.model, column.key)
            rows = db.session.execute(select(other.model.id, col).where(col.in_(from_ids))).all()
            if not rows:
                continue
            db.session.execute(update(other.model).where(col.in_(from_ids)).values(
                {column.key: to_id, "version": other.model.version + 1}),
                execution_options={"synchronize_session": False})
            emails = emails_of(other.name, [r[0] for r in rows])
            for row_id, old in rows:
                record_update(other.name, row_id, {column.key: [old, to_id]}, actor=actor)
                # a deal's title key includes its company
                set_keys(other.name, db.session.get(other.model, row_id, populate_existing=True),
                         emails.get(row_id))
            moved += len(rows)
    return moved


def _move_crm_rows(entity: str, from_ids: list[int], to_id: int) -> dict[str, int]:
    return {"timeline_entries": move_rows(TimelineEntry, entity, from_ids, to_id),
            "tasks": move_rows(TaskLink, entity, from_ids, to_id, unique=("task_id",))}


def _check_rights(spec: Entity, records: list, survivor_id: int, actor: Actor) -> None:
    """Edit on every record, delete on each that goes: a 403 naming every one missing."""
    missing = [f"edit {spec.name} #{r.id}" for r in records if not access.can(actor, spec.name, "edit", r)]
    missing += [f"delete {spec.name} #{r.id}" for r in records
                if r.id != survivor_id and not access.can(actor, spec.name, "delete", r)]
    if missing:
        raise Forbidden("Missing right: " + ", ".join(missing))


def _parse_ids(survivor_id: object, ids: object) -> list[int]:
    if not valid_id(survivor_id):
        raise ValidationError.from_fields({"survivor_id": "Expected a record id"})
    if not isinstance(ids, list) or not all(valid_id(i) for i in ids):
        raise ValidationError.from_fields({"ids": "Expected a list of record ids"})
    out = list(dict.fromkeys([int(survivor_id), *(int(i) for i in ids)]))
    if not 2 <= len(out) <= MAX_RECORDS:
        raise ValidationError.from_fields({"ids": f"Merge 2 to {MAX_RECORDS} records"})
    return out


def _chosen_values(spec: Entity, records: dict[int, object], survivor_id: int, fields: object) -> dict:
    """The survivor's new values: each chosen field from its source; e-mails and phones not
    chosen are the union of all (so no address is lost)."""
    if not isinstance(fields, dict):
        raise ValidationError.from_fields({"fields": "Expected an object of field: source record id"})
    errors = {f"fields.{k}": "Unknown field" for k in fields if spec.field(k) is None}
    errors |= {f"fields.{k}": "Not one of the merged records" for k, v in fields.items()
               if k not in errors and (not valid_id(v) or int(v) not in records)}
    if errors:
        raise ValidationError.from_fields(errors)
    emails = emails_of(spec.name, list(records))
    order = [survivor_id, *[i for i in records if i != survivor_id]]
    data: dict = {}
    for f in spec.fields:
        if f.name in fields:
            source = records[int(fields[f.name])]
            data[f.name] = emails.get(source.id, []) if f.kind == FieldKind.EMAILS else json_value(
                getattr(source, f.name))
        elif f.kind == FieldKind.EMAILS:
            data[f.name] = list(dict.fromkeys(e for i in order for e in emails.get(i, [])))
        elif f.kind == FieldKind.PHONES:
            data[f.name] = list(dict.fromkeys(p for i in order for p in records[i].phones or []))
    return data


def merge_records(entity: str, survivor_id: object, ids: object, fields: object, *,
                  actor: Actor) -> tuple[object, dict[str, int]]:
    """Merge `ids` into `survivor_id`; the survivor and how many rows of each kind moved."""
    spec = spec_of(entity)
    all_ids = _parse_ids(survivor_id, ids)
    survivor_id = all_ids[0]
    records = {i: get_record(spec.name, i, actor=actor, lock=True) for i in sorted(all_ids)}
    _check_rights(spec, list(records.values()), survivor_id, actor)
    data = _chosen_values(spec, records, survivor_id, fields or {})
    losers = [i for i in all_ids if i != survivor_id]
    titles = {i: record_title(records[i]) for i in losers}
    moved = _move_crm_rows(spec.name, losers, survivor_id)
    moved["records"] = _move_references(spec, losers, survivor_id, actor)
    for name, mover in sorted(MOVERS.items()):
        moved[name] = mover(spec.name, losers, survivor_id)
    for i in losers:
        db.session.expire(records[i])  # reference columns moved under the ORM's feet
        delete_record(spec.name, i, actor=actor)
    db.session.flush()
    survivor = update_record(spec.name, survivor_id, data, actor=actor)
    add_entry(spec.name, survivor_id, TimelineKind.MERGED, actor=actor,
              summary="Merged from " + ", ".join(f"#{i}" for i in losers),
              data={"merged": [{"id": i, "title": titles[i]} for i in losers], "moved": moved})
    db.session.flush()
    return survivor, moved
