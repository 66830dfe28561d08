"""Create, read, update, delete and list leads, contacts, companies and deals."""
from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import Select, delete, select

from crm import access
from crm.attributes import dept_path_for
from crm.dedupe import add_keys, forget_keys, set_keys
from crm.entities import Entity, entity
from crm.event_types import Change
from crm.events import record_change, record_update
from crm.models import Deal, RecordEmail, StatusValue, TaskLink
from crm.paging import Page, count_rows, paginate
from crm.serialize import json_value
from crm.services.pipelines import settle_deal
from crm.services.timeline import add_entry, insert_entry
from crm.services.versions import check_version, lock_row, lost_race
from crm.states import CLOSED_SEMANTICS, FieldKind, TimelineKind
from crm.validation import Cleaned, clean, parse_bool
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from org.actors import Actor, ProcessActor, actor_user
from org.models import utcnow, valid_id


def spec_of(name: str) -> Entity:
    try:
        return entity(name)
    except KeyError:
        raise NotFound(f"Unknown record type {name!r}") from None


def get_record(entity_name: str, record_id: int, *, actor: Actor, action: str = "read",
               lock: bool = False) -> object:
    """A record the actor may read (404 otherwise), checked for `action` too; `lock` takes its
    write lock first and reads it afresh (crm/services/versions.py)."""
    spec = spec_of(entity_name)
    if lock:
        lock_row(spec.model, record_id)
    record = db.session.get(spec.model, record_id, populate_existing=lock)
    if record is None:
        raise NotFound(f"No {spec.name} {record_id}")
    access.require(actor, spec.name, "read", record)
    if action != "read":
        access.require(actor, spec.name, action, record)
    return record


def create_record(entity_name: str, data: dict, *, actor: Actor, right: str = "add") -> object:
    """Validate, insert, log on the timeline and record `<entity>.created`.

    `right` is "add", or "import" for rows of an import: the new record (its responsible,
    department and status) must lie within the actor's level for it."""
    return create_record_with_emails(entity_name, data, actor=actor, right=right)[0]


def create_record_with_emails(entity_name: str, data: dict, *, actor: Actor,
                              right: str = "add") -> tuple[object, list[str]]:
    """create_record, and the e-mail addresses it stored (an answer needs no query to read them)."""
    spec = spec_of(entity_name)
    access.require(actor, spec.name, right)
    cleaned = clean(spec, data, partial=False)
    if cleaned.errors:
        raise ValidationError.from_fields(cleaned.errors)
    record = spec.model(**cleaned.values)
    if record.responsible_id is None:
        record.responsible_id = actor_user(actor).id if not actor_user(actor).is_system else None
    record.created_by_id = actor_user(actor).id
    record.dept_path = _dept_path(record.responsible_id, actor)
    _apply_derived(spec, record, cleaned.values, creating=True)
    access.require(actor, spec.name, right, record)
    _require_readable_refs(spec, cleaned.values, actor)
    db.session.add(record)
    db.session.flush()
    emails = list(cleaned.emails or [])
    _add_emails(spec.name, record.id, emails)  # a new record has no rows to replace
    add_keys(spec.name, record, emails)
    insert_entry(spec.name, record.id, TimelineKind.CREATED, actor=actor, summary=f"{spec.label} created")
    record_change(spec.name, Change.CREATED, record.id, _snapshot(spec, record, emails), actor=actor)
    db.session.flush()
    return record, emails


def _dept_path(user_id: int | None, actor: Actor) -> str:
    """The responsible's department path; the actor's own is in the rights this request loaded."""
    if user_id is None or isinstance(actor, ProcessActor) or user_id != getattr(actor, "id", None):
        return dept_path_for(user_id)
    departments = access.rights_of(actor).departments  # primary first, like User.primary_department
    return departments[0][2] if departments else ""


def update_record(entity_name: str, record_id: int, data: dict, *, actor: Actor,
                  if_match: Collection[int] | None = None) -> object:
    """Apply changed fields; log each change and record `<entity>.updated` with old/new.

    The row is locked and read afresh first; `if_match` (the versions the caller saw) makes a
    record that has moved on a 412. Any change bumps the version."""
    spec = spec_of(entity_name)
    record = get_record(spec.name, record_id, actor=actor, action="edit", lock=True)
    check_version(spec.label, record, if_match)
    cleaned = clean(spec, data, partial=True)
    if cleaned.errors:
        raise ValidationError.from_fields(cleaned.errors)
    with db.session.no_autoflush:  # one UPDATE at the end: one version step per change
        changes = _assign(spec, record, cleaned)
        _require_new_state(spec, record, changes, actor)
    if changes:
        record.updated_at = utcnow()  # an e-mail-only change updates the row (and its version) too
        add_entry(spec.name, record.id, TimelineKind.CHANGED, actor=actor,
                  summary="Changed " + ", ".join(sorted(changes)),
                  data={"changes": changes, "version": record.version + 1})
        record_update(spec.name, record.id, changes, actor=actor)
    with lost_race(spec.label, record.id):
        db.session.flush()
    if changes:
        set_keys(spec.name, record, _emails(spec.name, record.id))
    return record


def _assign(spec: Entity, record: object, cleaned: Cleaned) -> dict:
    changes: dict[str, list] = {}
    for name, value in cleaned.values.items():
        old = getattr(record, name)
        if _same(old, value):
            continue
        setattr(record, name, value)
        changes[name] = [json_value(old), json_value(value)]
    if cleaned.emails is not None:
        old_emails = _emails(spec.name, record.id)
        if old_emails != cleaned.emails:
            _set_emails(spec.name, record.id, cleaned.emails)
            changes["emails"] = [old_emails, cleaned.emails]
    if "responsible_id" in changes:
        record.dept_path = dept_path_for(record.responsible_id)
    derived_before = {k: getattr(record, k) for k in ("closed", "stage", "pipeline_id") if hasattr(record, k)}
    _apply_derived(spec, record, cleaned.values, creating=False)
    for name, old in derived_before.items():  # a pipeline move also moves the stage
        if old != getattr(record, name) and name not in changes:
            changes[name] = [old, getattr(record, name)]
    return changes


def _require_new_state(spec: Entity, record: object, changes: dict, actor: Actor) -> None:
    """The edit right holds on the record as it would become too (new status or stage, new
    responsible within the actor's scope), and changed references point at readable records."""
    if not changes:
        return
    if not access.can(actor, spec.name, "edit", record):
        raise Forbidden(access.missing_right(spec.name, "edit", record))
    _require_readable_refs(spec, {k: getattr(record, k) for k in changes if hasattr(record, k)}, actor)


def _require_readable_refs(spec: Entity, values: dict, actor: Actor) -> None:
    """A reference to a record the actor may not read is refused like one to no record at all."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        f = spec.field(name)
        if f is None or f.kind != "ref" or f.ref in (None, "user", "pipeline") or value is None:
            continue
        target = db.session.get(entity(f.ref).model, value)
        if target is None or not access.can(actor, f.ref, "read", target):
            errors[name] = f"No {f.ref} {value}"
    if errors:
        raise ValidationError.from_fields(errors)


def _same(old: object, new: object) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (old is None and new is None) or (
            old is not None and new is not None and Decimal(old) == Decimal(new))
    return old == new


def _apply_derived(spec: Entity, record: object, given: dict, *, creating: bool) -> None:
    """A deal's stage lies in its pipeline, and it is closed exactly when that stage means won or lost."""
    if isinstance(record, Deal):
        settle_deal(record, given, creating=creating)
        semantic = db.session.scalar(select(StatusValue.semantic).where(
            StatusValue.entity == "deal", StatusValue.code == record.stage))
        record.closed = semantic in CLOSED_SEMANTICS


def delete_record(entity_name: str, record_id: int, *, actor: Actor,
                  if_match: Collection[int] | None = None) -> None:
    """Delete the record (locked, with `if_match` checked as in update_record)."""
    spec = spec_of(entity_name)
    record = get_record(spec.name, record_id, actor=actor, action="delete", lock=True)
    check_version(spec.label, record, if_match)
    snapshot = _snapshot(spec, record, _emails(spec.name, record.id))
    db.session.execute(delete(RecordEmail).where(
        RecordEmail.entity == spec.name, RecordEmail.record_id == record.id))
    db.session.execute(delete(TaskLink).where(  # its tasks stay, about their other records
        TaskLink.entity == spec.name, TaskLink.record_id == record.id))
    forget_keys(spec.name, [record.id])
    db.session.delete(record)
    record_change(spec.name, Change.DELETED, record_id, snapshot, actor=actor)


def list_records(entity_name: str, *, actor: Actor, filters: dict | None = None,
                 sort: str = "-id", limit: int = 50, cursor: str | None = None,
                 base: Select | None = None, before: str | None = None) -> Page:
    """One page of the records the actor may read, filtered in SQL (after `cursor`, or the page
    before `before`; `base`: an already scoped select_records() Select, e.g. a board column)."""
    spec = spec_of(entity_name)
    stmt = base if base is not None else select_records(spec.name, actor=actor, filters=filters)
    name = sort.lstrip("-")
    if name not in spec.sortable:
        raise ValidationError.from_fields({"sort": f"Sort by one of {', '.join(spec.sortable)}"})
    f = spec.field(name)
    return paginate(stmt, spec.model, sort, f.kind if f else None, limit, cursor, db.session, before)


def count_records(entity_name: str, *, actor: Actor, filters: dict | None = None,
                  cap: int | None = None) -> int:
    """How many records of the list the actor may read (the same access-filtered query); with a
    cap, at most cap + 1 are counted."""
    return count_rows(select_records(entity_name, actor=actor, filters=filters), db.session, cap)


def select_records(entity_name: str, *, actor: Actor, filters: dict | None = None,
                   action: str = "read") -> Select:
    """The records the actor may `action`, narrowed by list filters (a Select to page or export)."""
    spec = spec_of(entity_name)
    stmt = access.scope(select(spec.model), spec.name, action, actor)
    return _filter(spec, stmt, filters or {})


def _filter(spec: Entity, stmt: Select, filters: dict) -> Select:
    errors: dict[str, str] = {}
    model = spec.model
    for name, raw in filters.items():
        f = spec.field(name)
        if name == "q":
            stmt = stmt.where(_title_match(spec, str(raw)))
        elif name == "email":
            stmt = stmt.where(model.id.in_(select(RecordEmail.record_id).where(
                RecordEmail.entity == spec.name, RecordEmail.email == str(raw).strip().lower())))
        elif f is None or f.kind in (FieldKind.EMAILS, FieldKind.PHONES, FieldKind.TEXT):
            errors[name] = "Cannot filter on this field"
        elif f.kind == FieldKind.REF and raw not in ("", "null") and not valid_id(raw):
            errors[name] = "Expected an id"
        elif f.kind in (FieldKind.REF, FieldKind.DECIMAL):
            try:
                number = int if f.kind == FieldKind.REF else Decimal
                stmt = stmt.where(getattr(model, name) == (None if raw in ("", "null") else number(raw)))
            except (ValueError, ArithmeticError):
                errors[name] = "Expected a number"
        elif f.kind == FieldKind.STATUS:
            stmt = stmt.where(getattr(model, name).in_(str(raw).upper().split(",")))
        elif f.kind == FieldKind.BOOL:  # compared as text, PostgreSQL refused boolean = varchar (a 500)
            try:
                stmt = stmt.where(getattr(model, name).is_(parse_bool(raw)))
            except ValueError:
                errors[name] = "Expected true or false"
        else:
            stmt = stmt.where(getattr(model, name) == str(raw))
    if errors:
        raise ValidationError.from_fields(errors)
    return stmt


def _title_match(spec: Entity, text: str):
    from sqlalchemy import or_

    pattern = f"%{text.strip().lower()}%"
    cols = [getattr(spec.model, f) for f in spec.title_fields]
    return or_(*[db.func.lower(c).like(pattern) for c in cols])


def _emails(entity_name: str, record_id: int) -> list[str]:
    return list(db.session.scalars(select(RecordEmail.email).where(
        RecordEmail.entity == entity_name, RecordEmail.record_id == record_id
    ).order_by(RecordEmail.position)))


def _set_emails(entity_name: str, record_id: int, emails: list[str]) -> None:
    db.session.execute(delete(RecordEmail).where(
        RecordEmail.entity == entity_name, RecordEmail.record_id == record_id))
    _add_emails(entity_name, record_id, emails)


def _add_emails(entity_name: str, record_id: int, emails: list[str]) -> None:
    for i, email in enumerate(emails):
        db.session.add(RecordEmail(entity=entity_name, record_id=record_id, email=email, position=i))


def _snapshot(spec: Entity, record: object, emails: list[str] | None) -> dict:
    """The created/deleted event's `changes`: every field as [None, value]."""
    out = {f.name: [None, json_value(getattr(record, f.name))]
           for f in spec.fields if f.kind != FieldKind.EMAILS}
    out["emails"] = [None, list(emails or [])]
    return out
