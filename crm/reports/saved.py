"""Saved reports: their owner edits and shares them with departments (and sub-departments) or
workgroups; members of those see them, and every run is over the runner's own rights."""
from __future__ import annotations

from sqlalchemy import delete, or_, select

from crm.reports.custom import clean_spec, run_report
from crm.reports.models import ReportShare, SavedReport
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import Department, DepartmentMember, valid_id
from org.workgroups import Workgroup, WorkgroupMember


def _visible(user_id: int):
    """A WHERE clause: reports the user owns or that are shared with one of their groups."""
    member = DepartmentMember
    my_paths = select(Department.path).join(member, member.department_id == Department.id).where(
        member.user_id == user_id)
    paths = [p for p in db.session.scalars(my_paths)]
    # Shared with a department: its members and the members of its sub-departments.
    shared_depts = select(Department.id).where(
        or_(*[db.literal(p).startswith(Department.path) for p in paths])) if paths else None
    groups = select(WorkgroupMember.workgroup_id).where(WorkgroupMember.user_id == user_id)
    share = select(ReportShare.report_id).where(or_(
        ReportShare.workgroup_id.in_(groups),
        *([ReportShare.department_id.in_(shared_depts)] if shared_depts is not None else [])))
    return or_(SavedReport.owner_id == user_id, SavedReport.id.in_(share))


def list_reports(*, actor: Actor) -> list[SavedReport]:
    """The actor's own reports and those shared with their departments or workgroups."""
    user = actor_user(actor)
    return list(db.session.scalars(select(SavedReport).where(_visible(user.id)).order_by(SavedReport.name)))


def get_report(report_id: int, *, actor: Actor, edit: bool = False) -> SavedReport:
    """A report the actor may see (404 otherwise); `edit`: only its owner (403)."""
    user = actor_user(actor)
    report = db.session.scalar(select(SavedReport).where(SavedReport.id == report_id, _visible(user.id)))
    if report is None:
        raise NotFound(f"No report {report_id}")
    if edit and report.owner_id != user.id:
        raise Forbidden("Only the report's owner may change it")
    return report


def _apply(report: SavedReport, data: dict) -> None:
    name = data.get("name", report.name or "")
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        raise ValidationError.from_fields({"name": "A name of 1 to 200 characters"})
    entity = data.get("entity", report.entity)
    report.spec = clean_spec(entity if isinstance(entity, str) else "", data.get("spec", report.spec))
    report.name, report.entity = name, entity
    if "weekly" in data:
        report.weekly = bool(data["weekly"])


def save_report(data: dict, *, actor: Actor, report_id: int | None = None) -> SavedReport:
    """Create a report (or change one the actor owns); shares follow `share` when given."""
    report = get_report(report_id, actor=actor, edit=True) if report_id else SavedReport(
        owner_id=actor_user(actor).id, name="", entity="", spec={})
    _apply(report, data)
    db.session.add(report)
    db.session.flush()
    if "share" in data:
        _share(report, data["share"])
    return report


def _share(report: SavedReport, raw: object) -> None:
    raw = raw if isinstance(raw, dict) else {}
    depts, groups = raw.get("department_ids") or [], raw.get("workgroup_ids") or []
    if not isinstance(depts, list) or not isinstance(groups, list) or not all(
            valid_id(i) and isinstance(i, int) for i in [*depts, *groups]):
        raise ValidationError.from_fields({"share": "department_ids and workgroup_ids: lists of ids"})
    found_d = set(db.session.scalars(select(Department.id).where(Department.id.in_(depts))))
    found_g = set(db.session.scalars(select(Workgroup.id).where(Workgroup.id.in_(groups))))
    if found_d != set(depts) or found_g != set(groups):
        raise ValidationError.from_fields({"share": "No such department or workgroup"})
    db.session.execute(delete(ReportShare).where(ReportShare.report_id == report.id))
    db.session.add_all([ReportShare(report_id=report.id, department_id=i) for i in sorted(found_d)]
                       + [ReportShare(report_id=report.id, workgroup_id=i) for i in sorted(found_g)])


def delete_report(report_id: int, *, actor: Actor) -> None:
    db.session.delete(get_report(report_id, actor=actor, edit=True))


def run_saved(report_id: int, *, actor: Actor) -> dict:
    """The report's figures over the records the actor (not its owner) may read."""
    report = get_report(report_id, actor=actor)
    return {"id": report.id, "name": report.name, **run_report(report.entity, report.spec, actor=actor)}


def report_to_dict(report: SavedReport) -> dict:
    shares = db.session.scalars(select(ReportShare).where(ReportShare.report_id == report.id)).all()
    return {"id": report.id, "name": report.name, "entity": report.entity, "spec": report.spec,
            "weekly": report.weekly, "owner_id": report.owner_id,
            "share": {"department_ids": [s.department_id for s in shares if s.department_id],
                      "workgroup_ids": [s.workgroup_id for s in shares if s.workgroup_id]}}
