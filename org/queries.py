"""The read side of org: look-ups the pages need beside the services' list functions (no access
rules apply here: the directory is visible to every colleague)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from extensions import db
from org.models import Invitation, User
from org.states import UserState
from org.workgroups import Workgroup, WorkgroupMember


def users_by_ids(ids: Iterable[int]) -> list[User]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(wanted))))


def user_state_counts() -> dict[str, int]:
    """How many people are active, pending (invited) and dismissed; the system user not counted."""
    rows = db.session.execute(select(User.active, User.pending, func.count()).where(
        User.is_system.is_(False)).group_by(User.active, User.pending))
    counts = dict.fromkeys(UserState, 0)
    for active, pending, n in rows:
        counts[UserState.ACTIVE if active else UserState.PENDING if pending else UserState.DISMISSED] += n
    return counts


def latest_invitations(user_ids: Iterable[int]) -> dict[int, Invitation]:
    """The newest invitation of each of these people."""
    ids = list(user_ids)
    found: dict[int, Invitation] = {}
    if ids:
        query = select(Invitation).where(Invitation.user_id.in_(ids)).order_by(Invitation.id)
        for row in db.session.scalars(query):
            found[row.user_id] = row
    return found


def latest_invitation(user_id: int) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.user_id == user_id)
                             .order_by(Invitation.id.desc()).limit(1))


def workgroups_of(user_id: int) -> list[Workgroup]:
    """The workgroups the person is a member of, by name."""
    return list(db.session.scalars(select(Workgroup).join(WorkgroupMember).where(
        WorkgroupMember.user_id == user_id).order_by(Workgroup.name)))


def all_workgroups() -> list[Workgroup]:
    return list(db.session.scalars(select(Workgroup).order_by(Workgroup.name)))
