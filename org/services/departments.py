"""Departments: a tree with materialised paths and a head; renamed, moved, deleted when empty.

Every change is logged (logger flowdesk.org.departments) with who made it."""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from errors import Conflict, NotFound, ValidationError
from extensions import db
from org import audit
from org.models import Department, DepartmentMember, User, valid_id
from org.services.users import find_user, require_admin
from org.signals import department_holders, department_moved, drop_grants

log = logging.getLogger("flowdesk.org.departments")


class DepartmentInUse(Conflict):
    """A department that still holds people, sub-departments or records; `holders` counts them."""

    def __init__(self, name: str, holders: dict[str, int]) -> None:
        what = ", ".join(f"{n} {k if n != 1 else k.rstrip('s')}" for k, n in holders.items())
        super().__init__(f"The department {name!r} still holds {what}: move them elsewhere first")
        self.holders = holders

    def to_dict(self) -> dict:
        return {**super().to_dict(), "holders": self.holders}


def get_department(department_id: int) -> Department:
    dep = db.session.get(Department, department_id)
    if dep is None:
        raise NotFound(f"No department {department_id}")
    return dep


def find_department(ref: int | str) -> Department | None:
    if isinstance(ref, int) or str(ref).isdigit():
        return db.session.get(Department, int(ref)) if valid_id(ref) else None
    return db.session.scalar(select(Department).where(Department.name == str(ref)).limit(1))


def list_departments() -> list[Department]:
    """Every department in tree order, members and their users loaded up front."""
    query = select(Department).options(
        selectinload(Department.members).selectinload(DepartmentMember.user))
    return list(db.session.scalars(query.order_by(Department.path)))


def create_department(
    name: str, *, actor: User | None, parent_id: int | None = None, head_id: int | None = None
) -> Department:
    require_admin(actor)
    dep = Department(name="")
    db.session.add(dep)
    _apply(dep, {"name": name, "parent_id": parent_id, "head_id": head_id}, creating=True)
    db.session.flush()
    return dep


def update_department(department_id: int, data: dict, *, actor: User) -> Department:
    """Rename, move (never under itself or its own sub-departments: 422 on parent_id), new head."""
    require_admin(actor)
    dep = get_department(department_id)
    before = {"name": dep.name, "parent_id": dep.parent_id, "head_id": dep.head_id}
    _apply(dep, data, creating=False)
    db.session.flush()
    changes = {k: [v, getattr(dep, k)] for k, v in before.items() if getattr(dep, k) != v}
    if changes:
        log.info("Department %s changed by %s: %s", dep.id, getattr(actor, "id", "an operator"), changes)
    return dep


def delete_department(department_id: int, *, actor: User) -> None:
    """Delete an empty department; 409 saying what still holds it. Drive rights granted to it
    do not hold it: they go with it (drive.group_rights says why), named in the audit entry."""
    require_admin(actor)
    dep = get_department(department_id)
    holders = department_usage(dep)
    if holders:
        raise DepartmentInUse(dep.name, holders)
    removed = drop_grants("department", dep.id)
    db.session.delete(dep)
    audit.record("department.delete", f"department {dep.id}", {"name": dep.name, **removed}, actor=actor)
    log.info("Department %s %r deleted by %s", dep.id, dep.name, getattr(actor, "id", "an operator"))


def department_usage(dep: Department) -> dict[str, int]:
    """What still belongs to the department: {"users": n, "sub-departments": n, "records": n...}."""
    counts = {
        "users": db.session.scalar(select(func.count(DepartmentMember.id)).where(
            DepartmentMember.department_id == dep.id)) or 0,
        "sub-departments": db.session.scalar(select(func.count(Department.id)).where(
            Department.parent_id == dep.id)) or 0,
    }
    for _receiver, answer in department_holders.send(dep, department=dep):
        for what, n in (answer or {}).items():
            counts[what] = counts.get(what, 0) + n
    return {what: n for what, n in counts.items() if n}


def _apply(dep: Department, data: dict, *, creating: bool) -> None:
    errors: dict[str, str] = {}
    with db.session.no_autoflush:  # nothing reaches the database before the checks pass
        if "name" in data or creating:
            name = str(data.get("name") or "").strip()
            if not name:
                errors["name"] = "A name is required"
            elif len(name) > 200:
                errors["name"] = "At most 200 characters"
            dep.name = name
        if "head_id" in data:
            head = find_user(data["head_id"]) if data["head_id"] not in (None, "") else None
            if data["head_id"] not in (None, "") and head is None:
                errors["head_id"] = f"No user {data['head_id']}"
            dep.head_id = head.id if head else None
        parent_ref = data.get("parent_id") if "parent_id" in data or creating else dep.parent_id
        if parent_ref not in (None, "") and (
                not valid_id(parent_ref) or db.session.get(Department, int(parent_ref)) is None):
            errors["parent_id"] = f"No department {parent_ref}"
        elif "name" not in errors and _name_taken(dep, parent_ref):
            errors["name"] = f"There is already a department {dep.name!r} at that place in the tree"
    if ("parent_id" in data or creating) and not errors:
        _set_parent(dep, data.get("parent_id"), errors)
    if errors:
        raise ValidationError.from_fields(errors)


def _name_taken(dep: Department, parent_ref: object) -> bool:
    """Names are unique among siblings (also at the top, where the index cannot tell)."""
    parent_id = int(parent_ref) if parent_ref not in (None, "") else None
    query = select(Department.id).where(
        Department.name == dep.name,
        Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id)
    if dep.id is not None:
        query = query.where(Department.id != dep.id)
    return db.session.scalar(query.limit(1)) is not None


def _set_parent(dep: Department, parent_id: int | None, errors: dict[str, str]) -> None:
    parent = None
    if parent_id not in (None, ""):
        with db.session.no_autoflush:  # a new department must not be flushed with the default path "/"
            parent = db.session.get(Department, int(parent_id))
        if parent is None:
            errors["parent_id"] = f"No department {parent_id}"
            return
        if dep.id is not None and parent.path.startswith(dep.path):
            errors["parent_id"] = "A department cannot be moved under itself"
            return
    db.session.flush()
    old_path = dep.path if dep.id and dep.path != "/" else None
    dep.parent_id = parent.id if parent else None
    dep.path = f"{parent.path if parent else '/'}{dep.id}/"
    if old_path and old_path != dep.path:
        _rewrite_subtree(old_path, dep.path, dep.id)


def _rewrite_subtree(old: str, new: str, department_id: int) -> None:
    """Move every descendant's path along, then let CRM refresh record attributes."""
    rows = db.session.scalars(select(Department).where(Department.path.startswith(old)))
    for row in rows:
        row.path = new + row.path[len(old):]
    db.session.flush()
    department_moved.send(None, department_id=department_id, old_path=old, new_path=new)


def head_for(user: User) -> User | None:
    """The active head of the user's primary department, going up the tree past the user
    themselves and past heads who are not active; None when there is none."""
    dep = user.primary_department
    while dep is not None:
        head = dep.head
        if head is not None and head.id != user.id and head.is_active:
            return head
        dep = dep.parent
    return None
