"""A user's effective rights: the roles that reach them and the highest level of each cell."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from crm.rights.models import LEVELS, Role, RoleAssignment, RolePermission
from extensions import db
from org.admin import acts_as_admin
from org.models import Department, DepartmentMember
from org.rights_epoch import epoch_column
from org.workgroups import Workgroup, WorkgroupMember

RANK = {name: i for i, name in enumerate(LEVELS)}
NONE, OWN, DEPARTMENT, DEPARTMENT_TREE, ALL = range(len(LEVELS))

Cell = dict  # {None: rank for any status, "WON": rank, ...}


@dataclass(frozen=True)
class Grant:
    """One role as it reaches a user, and how (directly, via a department or workgroup, default).

    Shared like the Rights holding it: `cells` is never changed after load_rights built it."""

    role_id: int
    role_name: str
    via: str  # user | department | workgroup | default
    via_name: str = ""
    can_change_settings: bool = False
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def level(self, entity: str, action: str, status: str | None) -> int:
        cell = self.cells.get((entity, action))
        if not cell:
            return NONE
        if status is not None and status in cell:
            return cell[status]
        return cell.get(None, NONE)

    def describe(self) -> str:
        how = {"user": "assigned to the user", "default": "the default role for users without roles",
               "department": f"assigned via department {self.via_name}",
               "workgroup": f"assigned via workgroup {self.via_name}"}[self.via]
        return f"role {self.role_name} ({how})"


@dataclass(frozen=True)
class Rights:
    """Everything access checks need about one user, as load_rights read it.

    Immutable: crm.rights.cache hands one Rights to every request (and thread) of that user until
    the rights epoch moves, so nothing may change one after it is built (per-request scratch such
    as crm.access's SQLite probes lives on the request instead)."""

    user_id: int
    full: bool = False  # portal administrators and processes may do everything
    departments: tuple[tuple[int, str, str], ...] = ()  # (id, name, path), the primary first
    grants: tuple[Grant, ...] = ()
    # The user's workgroups (engine.assignment's group keys); None when not read (a process).
    workgroup_ids: tuple[int, ...] | None = None
    # The names of the user's workgroups and of the departments on their membership paths (their
    # own and those above them): engine.assignment's "group:<name>" keys. None when not read.
    group_names: tuple[str, ...] | None = None
    # The rights epoch as the statement saw it, this transaction's own writes included.
    epoch: int | None = None

    @property
    def dept_paths(self) -> list[str]:
        return [path for _, _, path in self.departments]

    def best(self, entity: str, action: str, status: str | None) -> tuple[int, Grant | None]:
        """The highest level of the cell for records in `status`, and the role granting it."""
        if self.full:
            return ALL, None
        best, by = NONE, None
        for grant in self.grants:
            level = grant.level(entity, action, status)
            if level > best:
                best, by = level, grant
        return best, by

    def level(self, entity: str, action: str, status: str | None = None) -> int:
        return self.best(entity, action, status)[0]

    def status_overrides(self, entity: str, action: str) -> set[str]:
        """Statuses some role sets a level for explicitly in this cell."""
        found: set[str] = set()
        for grant in self.grants:
            found |= {s for s in grant.cells.get((entity, action), {}) if s is not None}
        return found

    def any_level(self, entity: str, action: str) -> int:
        """The highest level for any status: whether the action is possible at all."""
        statuses = [None, *self.status_overrides(entity, action)]
        return max(self.level(entity, action, s) for s in statuses)

    @property
    def can_change_settings(self) -> bool:
        return self.full or any(g.can_change_settings for g in self.grants)


def load_rights(user: object) -> Rights:
    """Departments, workgroups, assignments and the roles' permissions of `user`, in one
    statement (a UNION ALL of its reads; every page pays it, so one round trip, not several)."""
    full = acts_as_admin(user)  # administrators in admin mode
    rows = list(db.session.execute(_rights_statement(full), {"user_id": user.id}))
    # The primary first, as User.primary_department picks it (records.create_record relies on it).
    deps = sorted((r for r in rows if r.kind == "d"), key=lambda r: (not r.flag, r.n1))
    departments = tuple((r.n2, r.s1, r.s2) for r in deps)
    workgroup_ids = tuple(sorted(r.n1 for r in rows if r.kind == "w"))
    group_names = tuple(sorted({r.s1 for r in rows if r.kind in ("g", "w") and r.s1 is not None}))
    epoch = next((r.n1 for r in rows if r.kind == "e"), None)
    grants: tuple[Grant, ...] = ()
    if not full:
        reached = _reached(sorted((r for r in rows if r.kind == "a"), key=lambda r: r.n1), departments)
        grants = tuple(_grants([r for r in rows if r.kind == "p"], reached))
    return Rights(user_id=user.id, full=full, departments=departments, grants=grants,
                  workgroup_ids=workgroup_ids, group_names=group_names, epoch=epoch)


COLUMNS = ("n1", "n2", "n3", "n4", "n5", "flag", "flag2", "s1", "s2", "s3", "s4", "s5")
TYPES = {"n": Integer, "f": Boolean, "s": String}


def _row(kind: str, **given: ColumnElement) -> list[ColumnElement]:
    """One UNION ALL branch's columns, NULL where the branch has nothing (same shape for all)."""
    return [literal_column(f"'{kind}'").label("kind")] + [
        given[name].label(name) if name in given else cast(null(), TYPES[name[0]]).label(name)
        for name in COLUMNS]


def _reaches(a: type, dept: type, user_id: ColumnElement) -> ColumnElement:
    """Whether assignment `a` (its department `dept`) reaches the user: to them, one of their
    workgroups, one of their departments, or a department above one with its sub-departments."""
    mine = aliased(Department)
    in_dept = (select(DepartmentMember.id).join(mine, mine.id == DepartmentMember.department_id)
               .where(DepartmentMember.user_id == user_id,
                      or_(DepartmentMember.department_id == a.department_id,
                          and_(a.include_subdepartments.is_(True), mine.path.startswith(dept.path))))
               .correlate(a, dept))
    groups = select(WorkgroupMember.workgroup_id).where(WorkgroupMember.user_id == user_id)
    return or_(a.user_id == user_id, a.workgroup_id.in_(groups), in_dept.exists())


@cache  # built once per process (every request reads the rights): only the user id is bound
def _rights_statement(full: bool):
    """The branches: departments (d), the departments on their paths (g), workgroups (w), the rights
    epoch (e); unless `full`, the assignments reaching the user (a) and the permissions of their
    roles and of the default roles (p)."""
    user_id = bindparam("user_id")
    deps = select(*_row("d", n1=DepartmentMember.id, n2=Department.id, flag=DepartmentMember.is_primary,
                        s1=Department.name, s2=Department.path)) \
        .select_from(Department).join(DepartmentMember, DepartmentMember.department_id == Department.id) \
        .where(DepartmentMember.user_id == user_id)
    groups = select(*_row("w", n1=WorkgroupMember.workgroup_id, s1=Workgroup.name)) \
        .join(Workgroup, Workgroup.id == WorkgroupMember.workgroup_id) \
        .where(WorkgroupMember.user_id == user_id)
    epoch = select(*_row("e", n1=epoch_column()))  # crm.rights.cache keeps only what it matches
    if full:
        return union_all(deps, _path_departments(user_id), groups, epoch)
    a = RoleAssignment
    assigned = (
        select(*_row("a", n1=a.id, n2=a.role_id, n3=a.user_id, n4=a.department_id, n5=a.workgroup_id,
                     flag=a.include_subdepartments, s1=Department.name, s2=Department.path,
                     s3=Workgroup.name))
        .select_from(a).outerjoin(Department, Department.id == a.department_id)
        .outerjoin(Workgroup, Workgroup.id == a.workgroup_id)
        .where(_reaches(a, Department, user_id)))
    a2, d2 = aliased(RoleAssignment), aliased(Department)
    reached_roles = (select(a2.role_id).outerjoin(d2, d2.id == a2.department_id)
                     .where(_reaches(a2, d2, user_id)))
    perms = (
        select(*_row("p", n1=Role.id, flag=Role.can_change_settings, flag2=Role.is_default, s1=Role.name,
                     s2=RolePermission.entity, s3=RolePermission.action, s4=RolePermission.status,
                     s5=RolePermission.level))
        .select_from(Role).outerjoin(RolePermission, RolePermission.role_id == Role.id)
        .where(or_(Role.is_default.is_(True), Role.id.in_(reached_roles))))
    return union_all(deps, _path_departments(user_id), groups, epoch, assigned, perms)


def _path_departments(user_id: ColumnElement) -> Select:
    """The names of the user's departments and of those above them (a task offered to a
    department by name reaches its sub-departments, as one offered by id): up the parent links
    from the memberships, a primary-key lookup per level, so a large tree costs nothing more."""
    own = (select(Department.id, Department.parent_id, Department.name)
           .join(DepartmentMember, DepartmentMember.department_id == Department.id)
           .where(DepartmentMember.user_id == user_id).cte("dept_up", recursive=True))
    parent = aliased(Department)
    up = own.union(select(parent.id, parent.parent_id, parent.name).join(own, parent.id == own.c.parent_id))
    return select(*_row("g", n1=up.c.id, s1=up.c.name))


def _reached(rows: list, departments: tuple[tuple[int, str, str], ...]) -> list[tuple]:
    """(role_id, via, via_name) of the assignments reaching the user, in assignment order (the
    statement filtered them already; the department check is kept as the rule's statement)."""
    my_ids = {dep_id for dep_id, _, _ in departments}
    my_paths = [path for _, _, path in departments]
    reached = []
    for r in rows:
        if r.n3 is not None:
            reached.append((r.n2, "user", ""))
        elif r.n5 is not None:
            reached.append((r.n2, "workgroup", r.s3))
        elif r.n4 in my_ids or (r.flag and any(p.startswith(r.s2) for p in my_paths)):
            reached.append((r.n2, "department", r.s1))
    return reached


def _grants(rows: list, reached: list[tuple]) -> list[Grant]:
    """The roles reached, or when none is, the default roles, with their cells."""
    roles: dict[int, tuple[str, bool]] = {}
    cells: dict[int, dict] = {}
    defaults: list[int] = []
    for r in sorted(rows, key=lambda r: r.n1):
        if r.n1 not in roles and r.flag2:
            defaults.append(r.n1)
        roles[r.n1] = (r.s1, bool(r.flag))
        if r.s2 is not None:
            cells.setdefault(r.n1, {}).setdefault((r.s2, r.s3), {})[r.s4] = RANK.get(r.s5, NONE)
    if not reached:
        reached = [(role_id, "default", "") for role_id in defaults]
    grants, seen = [], set()
    for role_id, via, via_name in reached:
        if role_id in seen or role_id not in roles:
            continue  # the first route to a role explains it
        seen.add(role_id)
        name, settings = roles[role_id]
        grants.append(Grant(role_id, name, via, via_name, settings, cells.get(role_id, {})))
    return grants
