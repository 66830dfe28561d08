"""Access rights: the one place that decides what an actor may read or do.

Every query that returns records goes through `scope` (or `condition` for tables that carry
the access attributes themselves, such as a search index); every write through `require`.
Rules (see crm/rights/): a user's level for (entity, action, status) is the highest level any
of their roles grants; portal administrators and processes have every right.
"""
from __future__ import annotations

import re

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import True_

from crm.entities import REGISTRY, STATUS_FIELDS
from crm.rights import cache as rights_cache
from crm.rights.matrix import ALL, DEPARTMENT, NONE, OWN, Rights, load_rights
from crm.rights.models import ACTIONS, LEVELS
from errors import Forbidden, NotFound
from extensions import db
from org.actors import Actor, ProcessActor
from org.models import Department
from org.signals import department_moved, user_departments_changed, workgroups_changed

PATH_RE = re.compile(r"^(/\d+)+/$")


def model_of(entity: str) -> type:
    return REGISTRY[entity].model


# ---- the actor's rights: once per request, shared while the rights epoch stays ---------------

def rights_of(actor: Actor) -> Rights:
    """The effective rights of `actor`: kept for the request, and across requests while nothing
    they are read from changed (crm.rights.cache); loaded on every call outside a request."""
    if isinstance(actor, ProcessActor):
        return Rights(user_id=actor.id, full=True)
    if not has_request_context():
        return load_rights(actor)
    store = _request_store("_access_rights")
    if actor.id not in store:
        store[actor.id] = rights_cache.shared_rights(actor, load_rights)
    return store[actor.id]


def _request_store(name: str) -> dict:
    """A dict on `g` for the current request only (an app context may outlive several requests)."""
    req = request._get_current_object()
    store = g.get(name)
    if store is None or store[0] is not req:
        store = (req, {})
        setattr(g, name, store)
    return store[1]


def forget() -> None:
    """Roles, assignments or memberships changed in this request: the rest of it loads rights
    from its own (uncommitted) transaction, never from or into the cache across requests."""
    if has_app_context():
        g.pop("_access_rights", None)
    rights_cache.bypass()


@user_departments_changed.connect
@department_moved.connect
@workgroups_changed.connect
def _forget_on_org_change(sender: object, **_: object) -> None:
    if has_request_context():
        forget()


def _active(actor: Actor | None) -> bool:
    if isinstance(actor, ProcessActor):
        return True
    if actor is None:
        return False
    return bool(getattr(actor, "is_active", False) or getattr(actor, "is_system", False))


# ---- SQL: which rows ------------------------------------------------------------------------

def _lit(value: object) -> ColumnElement:
    """Rendered into the SQL text, so the planner sees the prefix and picks the index."""
    return bindparam(None, value, type_=String, literal_execute=True)


def _prefix(col: ColumnElement, path: str) -> ColumnElement:
    if db.engine.dialect.name == "sqlite":
        return col.op("GLOB")(_lit(path + "*"))  # SQLite uses an index for GLOB prefixes, not LIKE
    return col.like(_lit(path + "%"))


def _tree_roots(paths: list[str]) -> list[str]:
    roots = sorted({p for p in paths if PATH_RE.match(p)})
    return [p for p in roots if not any(p != q and p.startswith(q) for q in roots)]


def _own_sql(rights: Rights, entity: str, cols: dict) -> ColumnElement:
    own = cols["responsible"] == rights.user_id
    owners = REGISTRY[entity].owners  # e.g. a task's creator and observers
    return or_(own, *owners.sql(rights.user_id, cols)) if owners else own


SQLITE_PROBE_CAP = 2000


def _sqlite_hint(dept: ColumnElement, col: ColumnElement) -> ColumnElement:
    """SQLite keeps no histograms, so it reads a department sub-tree through its index and
    sorts it even when the sub-tree holds 100,000 rows. Count up to a cap (index only, once per
    request): a sub-tree at least that big is better read newest-first with the filter, which
    `likely()` tells the planner; a smaller one keeps the index."""
    key = (str(col.table), str(dept.compile(db.engine, compile_kwargs={"literal_binds": True})))
    # On the request, not on the rights: those are shared between requests, and counts change.
    probes = _request_store("_access_probes") if has_request_context() else {}
    if key not in probes:
        probe = select(literal_column("1")).select_from(col.table).where(dept).limit(SQLITE_PROBE_CAP)
        count = db.session.scalar(select(func.count()).select_from(probe.subquery()))
        probes[key] = count >= SQLITE_PROBE_CAP
    return func.likely(dept, type_=Boolean) if probes[key] else dept


def _level_sql(rights: Rights, entity: str, level: int, cols: dict) -> ColumnElement:
    if level == ALL:
        return true()
    if level == NONE:
        return false()
    paths = [p for p in rights.dept_paths if PATH_RE.match(p)]
    own = _own_sql(rights, entity, cols)
    if level == OWN or not paths:
        return own
    col = cols["dept_path"]
    if level == DEPARTMENT:
        dept = or_(*[col == _lit(p) for p in sorted(set(paths))])
    else:
        dept = or_(*[_prefix(col, p) for p in _tree_roots(paths)])
    if db.engine.dialect.name == "sqlite" and not (level == DEPARTMENT and len(set(paths)) == 1):
        dept = _sqlite_hint(dept, col)
    # A record's dept_path is its responsible's department, so own records are already in,
    # unless the entity has other owners (a task's creator and observers).
    return or_(dept, own) if REGISTRY[entity].owners else dept


def condition(actor: Actor, entity: str, action: str, *, responsible: ColumnElement,
              dept_path: ColumnElement, status: ColumnElement | None = None,
              record_id: ColumnElement | None = None,
              created_by: ColumnElement | None = None) -> ColumnElement:
    """A WHERE clause over the given access-attribute columns: the rows `actor` may `action`."""
    if not _active(actor):
        return false()
    rights = rights_of(actor)
    if rights.full:
        return true()
    cols = {"responsible": responsible, "dept_path": dept_path, "id": record_id, "created_by": created_by}
    default = rights.level(entity, action, None)
    overrides = rights.status_overrides(entity, action) if status is not None else set()
    differing: dict[int, list[str]] = {}
    for s in sorted(overrides):
        level = rights.level(entity, action, s)
        if level != default:
            differing.setdefault(level, []).append(s)
    if not differing:
        return _level_sql(rights, entity, default, cols)
    special = [s for group in differing.values() for s in group]
    parts = [] if default == NONE else [
        and_(status.not_in([_lit(s) for s in special]), _level_sql(rights, entity, default, cols))]
    for level, statuses in sorted(differing.items()):
        if level != NONE:
            chosen = status.in_([_lit(s) for s in statuses])
            parts.append(and_(chosen, _level_sql(rights, entity, level, cols)))
    return or_(*parts) if parts else false()


def scope(stmt: Select, entity: str, action: str, actor: Actor) -> Select:
    """Narrow `stmt` (selecting the entity's model) to the rows `actor` may `action`."""
    model = model_of(entity)
    status_field = STATUS_FIELDS.get(entity)
    clause = condition(
        actor, entity, action, responsible=model.responsible_id, dept_path=model.dept_path,
        status=getattr(model, status_field) if status_field else None, record_id=model.id,
        created_by=model.created_by_id)
    return stmt if isinstance(clause, True_) else stmt.where(clause)


# ---- Python: one record ---------------------------------------------------------------------

def status_of(entity: str, record: object | None) -> str | None:
    """The record's lead status or deal stage (a record not yet inserted: the column default)."""
    field = STATUS_FIELDS.get(entity)
    if not field or record is None:
        return None
    value = getattr(record, field, None)
    if value is None:
        default = model_of(entity).__table__.c[field].default
        value = default.arg if default is not None and isinstance(default.arg, str) else None
    return value


def _is_own(rights: Rights, entity: str, record: object) -> bool:
    if record.responsible_id == rights.user_id:
        return True
    owners = REGISTRY[entity].owners
    return owners is not None and owners.check(rights.user_id, record)


def matching_department(rights: Rights, level: int, dept_path: str) -> tuple[int, str, str] | None:
    """The user's department that puts a record with `dept_path` within `level`."""
    for dep in rights.departments:
        if dept_path == dep[2] or (level > DEPARTMENT and dept_path.startswith(dep[2])):
            return dep
    return None


def within(rights: Rights, entity: str, level: int, record: object) -> bool:
    """Whether `record` lies within `level` for this user."""
    if level == ALL:
        return True
    if level == NONE:
        return False
    if _is_own(rights, entity, record):
        return True
    if level == OWN or not rights.departments:
        return False
    return matching_department(rights, level, record.dept_path or "") is not None


def can(actor: Actor, entity: str, action: str, record: object | None = None) -> bool:
    """Whether `actor` may `action` this record (or, without one, such records at all)."""
    if not _active(actor):
        return False
    rights = rights_of(actor)
    if rights.full:
        return True
    if record is None:
        return rights.any_level(entity, action) > NONE
    return within(rights, entity, rights.level(entity, action, status_of(entity, record)), record)


def may_move_to(actor: Actor, entity: str, status: str) -> bool:
    """Whether the actor may edit any record that has `status` (a board column that takes drops;
    each drop is still decided on the record itself)."""
    if not _active(actor):
        return False
    rights = rights_of(actor)
    return rights.full or rights.level(entity, "edit", status) > NONE


def missing_right(entity: str, action: str, record: object | None = None) -> str:
    """"Missing right: edit deal (status WON)"."""
    status = status_of(entity, record)
    return f"Missing right: {action} {entity}" + (f" (status {status})" if status else "")


def require(actor: Actor, entity: str, action: str, record: object | None = None) -> None:
    """Raise Forbidden naming the missing right (NotFound for a record one may not read).

    For "add" and "import", `record` is the record about to be created."""
    creating = action in ("add", "import")
    if record is not None and not creating and not can(actor, entity, "read", record):
        raise NotFound(f"No {entity} {record.id}")
    if not can(actor, entity, action, record):
        raise Forbidden(missing_right(entity, action, record))


def can_change_settings(actor: Actor) -> bool:
    return _active(actor) and rights_of(actor).can_change_settings


def require_settings(actor: Actor) -> None:
    if not can_change_settings(actor):
        raise Forbidden("Missing right: change access settings")


def department_by_path(path: str) -> Department | None:
    """The department a materialised path ends with ("/1/4/" -> 4)."""
    if not PATH_RE.match(path or ""):
        return None
    return db.session.get(Department, int(path.rstrip("/").rsplit("/", 1)[1]))


def explain(user: Actor, entity: str, action: str, record: object | None = None) -> dict:
    """Whether `user` may `action` the record, with the role, level and department that decided."""
    from crm.rights.explain import explain as _explain

    return _explain(user, entity, action, record)


def effective_matrix(actor: Actor) -> dict:
    """The actor's level per entity and action (and per status where it differs)."""
    rights = rights_of(actor) if _active(actor) else Rights(user_id=0)
    matrix: dict = {}
    status_levels: dict = {}
    for entity in REGISTRY:
        matrix[entity] = {}
        for action in ACTIONS:
            default = rights.level(entity, action, None)
            matrix[entity][action] = LEVELS[default]
            for status in sorted(rights.status_overrides(entity, action)):
                level = rights.level(entity, action, status)
                if level != default:
                    status_levels.setdefault(entity, {}).setdefault(action, {})[status] = LEVELS[level]
    return {"matrix": matrix, "status_levels": status_levels,
            "can_change_settings": rights.can_change_settings}
