"""Dashboard layouts: which widgets a person's home page shows, in order. A person's own choice
wins; else a layout an administrator shared with one of their departments (the nearest) or
workgroups; else the default."""
from __future__ import annotations

from sqlalchemy import or_, select

from crm.reports.models import DashboardLayout
from errors import ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.admin import require_admin
from org.models import Department, DepartmentMember, valid_id
from org.workgroups import Workgroup, WorkgroupMember

WIDGETS = {
    "tasks": "My open tasks and inbox", "agenda": "Today", "deals_by_stage": "My deals by stage",
    "won": "Won this month", "leads_by_source": "Leads by source", "incidents": "Process incidents",
    "counts": "Records", "reports": "My reports",
}
DEFAULT = ["counts", "tasks", "agenda", "deals_by_stage", "won", "leads_by_source", "incidents"]


def clean_widgets(raw: object) -> list[str]:
    """Known widget keys, each once, in the given order; 422 naming `widgets` otherwise."""
    if not isinstance(raw, list) or not all(isinstance(w, str) and w in WIDGETS for w in raw):
        raise ValidationError.from_fields({"widgets": f"A list of: {', '.join(WIDGETS)}"})
    return list(dict.fromkeys(raw))


def _candidates(user_id: int) -> tuple[list[DashboardLayout], dict[int, int]]:
    """In one statement, every layout that may apply: the user's own, those shared with their
    departments or the departments' parents, and those shared with their workgroups; and the
    depth of each of those departments."""
    paths = db.session.scalars(select(Department.path).join(
        DepartmentMember, DepartmentMember.department_id == Department.id).where(
        DepartmentMember.user_id == user_id)).all()
    depth = {int(p): n for path in paths for n, p in enumerate(path.strip("/").split("/")) if p}
    rows = db.session.scalars(select(DashboardLayout).where(or_(
        DashboardLayout.user_id == user_id, DashboardLayout.department_id.in_(depth),
        DashboardLayout.workgroup_id.in_(select(WorkgroupMember.workgroup_id).where(
            WorkgroupMember.user_id == user_id)))).order_by(DashboardLayout.id)).all()
    return rows, depth


def layout_for(actor: Actor) -> tuple[list[str], str]:
    """(widget keys, where they come from: "mine", "shared" or "default"). Shared: the layout of
    the deepest of the user's departments or their parents, else of one of their workgroups."""
    user = actor_user(actor)
    rows, depth = _candidates(user.id)
    own = next((r for r in rows if r.user_id == user.id), None)
    if own is not None:
        return list(own.widgets), "mine"
    departments = [r for r in rows if r.department_id is not None]
    groups = [r for r in rows if r.workgroup_id is not None]
    shared = max(departments, key=lambda r: depth[r.department_id]) if departments else \
        (groups[0] if groups else None)
    return (list(shared.widgets), "shared") if shared is not None else (list(DEFAULT), "default")


def _upsert(widgets: list[str], **owner: int | None) -> DashboardLayout:
    keys = {"user_id": None, "department_id": None, "workgroup_id": None, **owner}
    row = db.session.scalar(select(DashboardLayout).filter_by(**keys))
    if row is None:
        row = DashboardLayout(**keys)
        db.session.add(row)
    row.widgets = widgets
    return row


def save_my_layout(widgets: object, *, actor: Actor) -> DashboardLayout:
    """The person's own choice and order of widgets."""
    return _upsert(clean_widgets(widgets), user_id=actor_user(actor).id)


def reset_my_layout(*, actor: Actor) -> None:
    """Back to the shared (or default) layout."""
    db.session.execute(DashboardLayout.__table__.delete().where(
        DashboardLayout.user_id == actor_user(actor).id))


def share_layout(widgets: object, *, actor: Actor, department_id: int | None = None,
                 workgroup_id: int | None = None) -> DashboardLayout:
    """An administrator gives a department (and its sub-departments) or a workgroup a layout."""
    require_admin(actor)
    if (department_id is None) == (workgroup_id is None):
        raise ValidationError.from_fields({"department_id": "Give a department or a workgroup"})
    model, key = (Department, department_id) if department_id is not None else (Workgroup, workgroup_id)
    if not valid_id(key) or db.session.get(model, key) is None:
        field = "department_id" if department_id is not None else "workgroup_id"
        raise ValidationError.from_fields({field: f"No such {model.__tablename__}"})
    return _upsert(clean_widgets(widgets), department_id=department_id, workgroup_id=workgroup_id)
