"""Access attributes on records (the responsible's department path), kept current."""
from __future__ import annotations

from sqlalchemy import func, select, update

from crm.entities import REGISTRY
from extensions import db
from org.models import User
from org.signals import department_holders, department_moved, user_departments_changed


def dept_path_for(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = db.session.get(User, user_id)
    dep = user.primary_department if user else None
    return dep.path if dep else ""


def _tables() -> list[type]:
    return [e.model for e in REGISTRY.values()]


@user_departments_changed.connect
def _refresh_user_records(sender: object, user_id: int, **_: object) -> None:
    """A person moved: their records follow them in the same transaction."""
    path = dept_path_for(user_id)
    for model in _tables():
        db.session.execute(
            update(model).where(model.responsible_id == user_id).values(dept_path=path)
            .execution_options(synchronize_session=False)
        )


@department_moved.connect
def _refresh_moved_subtree(sender: object, old_path: str, new_path: str, **_: object) -> None:
    """A department moved in the tree: rewrite the prefix of every record under it."""
    for model in _tables():
        db.session.execute(
            update(model).where(model.dept_path.startswith(old_path))
            .values(dept_path=new_path + func.substr(model.dept_path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )


@department_holders.connect
def _records_in(sender: object, department: object, **_: object) -> dict[str, int]:
    """Records whose responsible's department is this one, and the roles given to its members."""
    from crm.rights.models import RoleAssignment

    path = department.path
    records = sum(db.session.scalar(select(func.count()).select_from(model).where(
        model.dept_path == path)) or 0 for model in _tables())
    roles = db.session.scalar(select(func.count(RoleAssignment.id)).where(
        RoleAssignment.department_id == department.id)) or 0
    return {"records": records, "role assignments": roles}
