"""Open inbox tasks offered to a workgroup or department hold it: it cannot be deleted under them.

A task whose candidate group is deleted could be picked up by no one but an administrator, and
nothing would say why; so the deletion is refused (409, counting the tasks) until the tasks are
completed or reassigned. The receivers answer org's department_holders and workgroup_holders.
"""
from __future__ import annotations

from sqlalchemy import func, select

from engine.models import HumanTask, HumanTaskCandidate
from engine.states import HumanTaskState
from extensions import db
from org.signals import department_holders, workgroup_holders

WHAT = "open inbox tasks"


def open_tasks_offered_to(group_key: str) -> int:
    """How many open human tasks name the group key ("workgroup:3") among their candidates."""
    return db.session.scalar(
        select(func.count(func.distinct(HumanTask.id)))
        .join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
        .where(HumanTaskCandidate.group_key == group_key, HumanTask.state == HumanTaskState.OPEN)
    ) or 0


@department_holders.connect
def _department_tasks(sender: object, department: object, **_: object) -> dict[str, int]:
    return {WHAT: open_tasks_offered_to(f"department:{department.id}")}


@workgroup_holders.connect
def _workgroup_tasks(sender: object, workgroup: object, **_: object) -> dict[str, int]:
    return {WHAT: open_tasks_offered_to(f"workgroup:{workgroup.id}")}
