"""A user's effective rights: the roles that reach them and the highest level of each cell."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, null, or_, select, union_all

from crm.rights.models import LEVELS, Role, RoleAssignment, RolePermission
from extensions import db
from org.admin import acts_as_admin
from org.models import Department, DepartmentMember
from org.workgroups import Workgroup, WorkgroupMember

RANK = {name: i for i, name in enumerate(LEVELS)}
NONE, OWN, DEPARTMENT, DEPARTMENT_TREE, ALL = range(len(LEVELS))

Cell = dict  # {None: rank for any status, "WON": rank, ...}


@dataclass
class Grant:
    """One role as it reaches a user, and how (directly, via a department or workgroup, default)."""

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


@dataclass
class Rights:
    """Everything access checks need about one user, loaded once per request."""

    user_id: int
    full: bool = False  # portal administrators and processes may do everything
    departments: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, path)
    grants: list[Grant] = field(default_factory=list)
    # The user's workgroups (engine.assignment's group keys); None until read. The assignments
    # query reads them for non-administrators; forget() drops them with the rest.
    workgroup_ids: list[int] | None = None
    # SQLite planner probes made while building this request's filters (see crm.access).
    probes: dict = field(default_factory=dict)

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
    """Departments, workgroups, assignments and permissions of `user`, in three queries."""
    rights = Rights(user_id=user.id, full=acts_as_admin(user))  # administrators in admin mode
    found = db.session.execute(_departments_query(), {"user_id": user.id})
    rights.departments = [tuple(row) for row in found]
    if rights.full:
        return rights
    reached, rights.workgroup_ids = _assignments_reaching(user.id, rights.departments)
    rights.grants = _grants(reached) if reached else _grants([], defaults=True)
    return rights


@cache
def _departments_query() -> Select:
    """Built once (every API call reads the rights): a statement object keeps its cache key."""
    return (select(Department.id, Department.name, Department.path)
            .join(DepartmentMember, DepartmentMember.department_id == Department.id)
            .where(DepartmentMember.user_id == bindparam("user_id"))
            # The primary first, as User.primary_department picks it (records.create_record relies on it).
            .order_by(DepartmentMember.is_primary.desc(), DepartmentMember.id))


def _assignments_reaching(user_id: int,
                          departments: list[tuple[int, str, str]]) -> tuple[list[tuple], list[int]]:
    """(role_id, via, via_name) for assignments to the user, their departments, their workgroups;
    and the user's workgroup ids, read in the same statement (the inbox's group keys need them)."""
    my_ids = {dep_id for dep_id, _, _ in departments}
    my_paths = [path for _, _, path in departments]
    groups = select(WorkgroupMember.workgroup_id).where(WorkgroupMember.user_id == user_id)
    a = RoleAssignment
    assigned = (
        select(a.id, a.role_id, a.user_id, a.department_id, a.include_subdepartments, a.workgroup_id,
               Department.name, Department.path, Workgroup.name)
        .outerjoin(Department, Department.id == a.department_id)
        .outerjoin(Workgroup, Workgroup.id == a.workgroup_id)
        .where(or_(a.user_id == user_id, a.department_id.is_not(None), a.workgroup_id.in_(groups))))
    # Membership rows carry no assignment id (role_id is never NULL on an assignment).
    member = select(null(), null(), null(), null(), null(), WorkgroupMember.workgroup_id,
                    null(), null(), null()).where(WorkgroupMember.user_id == user_id)
    rows = list(db.session.execute(union_all(assigned, member)))
    workgroup_ids = [row[5] for row in rows if row[1] is None]
    reached = []
    for _, role_id, to_user, dep_id, with_subs, group_id, dep_name, dep_path, group_name in sorted(
            (row for row in rows if row[1] is not None), key=lambda row: row[0]):
        if to_user is not None:
            reached.append((role_id, "user", ""))
        elif group_id is not None:
            reached.append((role_id, "workgroup", group_name))
        elif dep_id in my_ids or (with_subs and any(p.startswith(dep_path) for p in my_paths)):
            reached.append((role_id, "department", dep_name))
    return reached, workgroup_ids


def _grants(reached: list[tuple], *, defaults: bool = False) -> list[Grant]:
    """The roles reached (or, with `defaults`, the default roles) with their cells, in one query."""
    role_ids = {role_id for role_id, _, _ in reached}
    if not role_ids and not defaults:
        return []
    which = Role.is_default.is_(True) if defaults else Role.id.in_(role_ids)
    rows = db.session.execute(
        select(Role.id, Role.name, Role.can_change_settings, RolePermission.entity, RolePermission.action,
               RolePermission.status, RolePermission.level)
        .outerjoin(RolePermission, RolePermission.role_id == Role.id).where(which).order_by(Role.id))
    roles: dict[int, tuple[str, bool]] = {}
    cells: dict[int, dict] = {}
    for role_id, name, settings, entity, action, status, level in rows:
        roles[role_id] = (name, settings)
        if entity is not None:
            cell = cells.setdefault(role_id, {}).setdefault((entity, action), {})
            cell[status] = RANK.get(level, NONE)
    if defaults:
        reached = [(role_id, "default", "") for role_id in roles]
    grants, seen = [], set()
    for role_id, via, via_name in reached:
        if role_id in seen or role_id not in roles:
            continue  # the first route to a role explains it
        seen.add(role_id)
        name, settings = roles[role_id]
        grants.append(Grant(role_id, name, via, via_name, settings, cells.get(role_id, {})))
    return grants
