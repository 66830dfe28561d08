"""Open inbox tasks offered to a workgroup or department hold it: it cannot be deleted under them.

A task whose candidate group is deleted could be picked up by no one but an administrator, and
nothing would say why; so the deletion is refused (409, counting the tasks) until the tasks are
completed or reassigned. The receivers answer org's department_holders and workgroup_holders.
A workgroup also holds the tasks offered to its name ("group:<name>", engine.assignment) while no
other department or workgroup bears the name; a department can only be deleted empty, so the
tasks offered to its name reach no one through it anyway.
"""
from __future__ import annotations

from sqlalchemy import func, select

from engine.assignment import group_key
from engine.models import HumanTask, HumanTaskCandidate
from engine.states import HumanTaskState
from extensions import db
from org.models import Department
from org.signals import department_holders, workgroup_holders

WHAT = "open inbox tasks"


def open_tasks_offered_to(*group_keys: str) -> int:
    """How many open human tasks name any of the group keys ("workgroup:3") among their candidates."""
    return db.session.scalar(
        select(func.count(func.distinct(HumanTask.id)))
        .join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
        .where(HumanTaskCandidate.group_key.in_(group_keys), HumanTask.state == HumanTaskState.OPEN)
    ) or 0


@department_holders.connect
def _department_tasks(sender: object, department: object, **_: object) -> dict[str, int]:
    return {WHAT: open_tasks_offered_to(f"department:{department.id}")}


@workgroup_holders.connect
def _workgroup_tasks(sender: object, workgroup: object, **_: object) -> dict[str, int]:
    keys = [f"workgroup:{workgroup.id}"]
    if not _name_borne_elsewhere(workgroup):
        keys.append(group_key(workgroup.name))
    return {WHAT: open_tasks_offered_to(*keys)}


def _name_borne_elsewhere(workgroup: object) -> bool:
    """Whether a department or another workgroup bears the workgroup's name (case-insensitively;
    where the database folds case less than Python, this says no and the tasks hold the group)."""
    name = workgroup.name.strip().lower()
    found = db.session.scalar(select(Department.id).where(func.lower(func.trim(Department.name)) == name)
                              .limit(1))
    model = type(workgroup)
    return found is not None or db.session.scalar(select(model.id).where(
        func.lower(func.trim(model.name)) == name, model.id != workgroup.id).limit(1)) is not None
