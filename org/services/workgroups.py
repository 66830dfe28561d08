"""Workgroups: anyone creates one and owns it; owner, moderators and members; invitations.

Who may do what (administrators in admin mode may do everything):
- edit name, description, invite policy: the owner or a moderator;
- pass ownership on, set or unset moderators, remove members, delete the group: the owner;
- invite: as the group's invite policy says (owner / owner_and_moderators / all_members);
- revoke an invitation: the person who sent it; accept or decline it: the invited person;
- leave: any member but the owner.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from org import audit
from org.admin import acts_as_admin
from org.models import User, utcnow, valid_id
from org.signals import drop_grants, workgroup_holders, workgroups_changed
from org.states import InvitationState
from org.workgroups import INVITE_POLICIES, Workgroup, WorkgroupInvitation, WorkgroupMember

POLICY_TEXT = {"owner": "the owner", "owner_and_moderators": "the owner and moderators",
               "all_members": "members"}


def _forget_rights() -> None:
    """Memberships decide roles reached through workgroups: cached rights must be reloaded."""
    workgroups_changed.send(None)


def _require_active(actor: User) -> None:
    if not getattr(actor, "is_active", False) and not acts_as_admin(actor):
        raise Forbidden("Log in to use workgroups")


def membership(group: Workgroup, user_id: int) -> WorkgroupMember | None:
    return next((m for m in group.members if m.user_id == user_id), None)


def role_in(group: Workgroup, actor: User) -> str | None:
    """owner, moderator, member or None."""
    if group.owner_id == actor.id:
        return "owner"
    member = membership(group, actor.id)
    if member is None:
        return None
    return "moderator" if member.is_moderator else "member"


def may_edit(group: Workgroup, actor: User) -> bool:
    return acts_as_admin(actor) or role_in(group, actor) in ("owner", "moderator")


def may_manage(group: Workgroup, actor: User) -> bool:
    return acts_as_admin(actor) or role_in(group, actor) == "owner"


def may_invite(group: Workgroup, actor: User) -> bool:
    if acts_as_admin(actor):
        return True
    allowed = {"owner": ("owner",), "owner_and_moderators": ("owner", "moderator"),
               "all_members": ("owner", "moderator", "member")}[group.invite_policy]
    return role_in(group, actor) in allowed


# ---- the group ----------------------------------------------------------------------------

def list_workgroups(*, actor: User, mine: bool = False) -> list[Workgroup]:
    _require_active(actor)
    query = select(Workgroup).options(selectinload(Workgroup.members).selectinload(WorkgroupMember.user))
    if mine:
        query = query.where(Workgroup.id.in_(
            select(WorkgroupMember.workgroup_id).where(WorkgroupMember.user_id == actor.id)))
    return list(db.session.scalars(query.order_by(Workgroup.name, Workgroup.id)))


def get_workgroup(workgroup_id: int, *, actor: User) -> Workgroup:
    _require_active(actor)
    group = db.session.get(Workgroup, workgroup_id)
    if group is None:
        raise NotFound(f"No workgroup {workgroup_id}")
    return group


def create_workgroup(data: dict, *, actor: User) -> Workgroup:
    """Any active user; the creator owns the group and is its first member."""
    _require_active(actor)
    group = Workgroup(name="", owner_id=actor.id)
    _apply(group, {"name": "", **data}, owner_allowed=False)
    db.session.add(group)
    db.session.flush()
    db.session.add(WorkgroupMember(workgroup_id=group.id, user_id=actor.id))
    db.session.flush()
    _forget_rights()
    return group


def update_workgroup(workgroup_id: int, data: dict, *, actor: User) -> Workgroup:
    """Name, description, invite policy (owner, moderators, admins); owner_id (owner, admins)."""
    group = get_workgroup(workgroup_id, actor=actor)
    if not may_edit(group, actor):
        raise Forbidden("Only an administrator, the owner or a moderator can change the workgroup")
    if "owner_id" in data and not may_manage(group, actor):
        raise Forbidden("Only an administrator or the owner can pass the ownership on")
    _apply(group, data, owner_allowed=True)
    db.session.flush()
    return group


def delete_workgroup(workgroup_id: int, *, actor: User) -> None:
    """Delete the group with its members and invitations; rights granted to it go too."""
    group = get_workgroup(workgroup_id, actor=actor)
    if not may_manage(group, actor):
        raise Forbidden("Only an administrator or the owner can delete the workgroup")
    _refuse_while_held(group)
    # Members and invitations go explicitly (role assignments, calendar, report shares by the
    # foreign keys' cascade, drive rights by their receiver of group_deleting: they have none).
    removed = drop_grants("workgroup", group.id)
    db.session.execute(delete(WorkgroupInvitation).where(WorkgroupInvitation.workgroup_id == group.id))
    db.session.delete(group)
    audit.record("workgroup.delete", f"workgroup {group.id}", {"name": group.name, **removed}, actor=actor)
    _forget_rights()


def _refuse_while_held(group: Workgroup) -> None:
    """409 while work still needs the group: an inbox task offered only to it would be lost."""
    holders: dict[str, int] = {}
    for _receiver, answer in workgroup_holders.send(group, workgroup=group):
        for what, n in (answer or {}).items():
            holders[what] = holders.get(what, 0) + n
    if any(holders.values()):
        what = ", ".join(f"{n} {k if n != 1 else k.replace('tasks', 'task')}"
                         for k, n in holders.items() if n)
        raise Conflict(f"The workgroup {group.name!r} still has {what}: complete or reassign them first")


def _apply(group: Workgroup, data: dict, *, owner_allowed: bool) -> None:
    allowed = {"name", "description", "invite_policy"} | ({"owner_id"} if owner_allowed else set())
    errors = {k: "Unknown field" for k in data if k not in allowed}
    if "name" in data:
        name = data["name"].strip() if isinstance(data["name"], str) else None
        if not name:
            errors["name"] = "A name is required" if name is not None else "Expected text"
        elif len(name) > 200:
            errors["name"] = "At most 200 characters"
        else:
            group.name = name
    if "description" in data:
        if not isinstance(data["description"], (str, type(None))):
            errors["description"] = "Expected text"
        else:
            group.description = (data["description"] or "").strip()[:5000]
    if "invite_policy" in data:
        if data["invite_policy"] not in INVITE_POLICIES:
            errors["invite_policy"] = f"One of {', '.join(INVITE_POLICIES)}"
        else:
            group.invite_policy = data["invite_policy"]
    if "owner_id" in data and "owner_id" not in errors:
        _set_owner(group, data["owner_id"], errors)
    if errors:
        raise ValidationError.from_fields(errors)


def _set_owner(group: Workgroup, raw: object, errors: dict[str, str]) -> None:
    member = membership(group, int(raw)) if type(raw) is int and valid_id(raw) else None
    if member is None or not member.user.is_active:
        errors["owner_id"] = "The new owner must be an active member of the workgroup"
        return
    group.owner_id = member.user_id


# ---- members and moderators ---------------------------------------------------------------

def remove_member(workgroup_id: int, user_id: int, *, actor: User) -> None:
    """The owner or an administrator removes a member; a member may leave (the owner may not)."""
    group = get_workgroup(workgroup_id, actor=actor)
    member = membership(group, user_id)
    if member is None:
        raise NotFound(f"User {user_id} is not a member of this workgroup")
    if user_id != actor.id and not may_manage(group, actor):
        raise Forbidden("Only an administrator or the owner can remove members")
    if user_id == group.owner_id:
        raise Conflict("The owner cannot leave the workgroup: pass the ownership on first")
    db.session.delete(member)
    _forget_rights()


def set_moderator(workgroup_id: int, user_id: int, flag: bool, *, actor: User) -> WorkgroupMember:
    group = get_workgroup(workgroup_id, actor=actor)
    if not may_manage(group, actor):
        raise Forbidden("Only an administrator or the owner can choose moderators")
    member = membership(group, user_id)
    if member is None:
        raise NotFound(f"User {user_id} is not a member of this workgroup")
    member.is_moderator = flag
    db.session.flush()
    return member


# ---- invitations ----------------------------------------------------------------------------

def invite_members(workgroup_id: int, user_ids: object, *, actor: User) -> list[WorkgroupInvitation]:
    """Invite active users (all or nothing; errors name `user_ids[i]`); they accept or decline."""
    group = get_workgroup(workgroup_id, actor=actor)
    if not may_invite(group, actor):
        raise Forbidden(f"In this workgroup only {POLICY_TEXT[group.invite_policy]} can invite people")
    users = _invitees(group, user_ids)
    rows = [WorkgroupInvitation(workgroup_id=group.id, user_id=u.id, invited_by_id=actor.id) for u in users]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _invitees(group: Workgroup, user_ids: object) -> list[User]:
    if not isinstance(user_ids, list) or not user_ids:
        raise ValidationError.from_fields({"user_ids": "Give a list of one or more user ids"})
    pending = set(db.session.scalars(select(WorkgroupInvitation.user_id).where(
        WorkgroupInvitation.workgroup_id == group.id, WorkgroupInvitation.state == InvitationState.PENDING)))
    errors: dict[str, str] = {}
    users: list[User] = []
    for i, raw in enumerate(user_ids[:200]):
        user = db.session.get(User, raw) if type(raw) is int and valid_id(raw) else None
        if user is None or user.is_system:
            errors[f"user_ids[{i}]"] = f"No user {raw}"
        elif not user.is_active:
            errors[f"user_ids[{i}]"] = f"{user.full_name} is not an active user"
        elif membership(group, user.id) is not None:
            errors[f"user_ids[{i}]"] = f"{user.full_name} is already a member"
        elif user.id in pending:
            errors[f"user_ids[{i}]"] = f"{user.full_name} is already invited"
        elif user not in users:
            users.append(user)
    if errors:
        raise ValidationError.from_fields(errors)
    return users


def list_group_invitations(workgroup_id: int, *, actor: User, state: str | None = InvitationState.PENDING
                           ) -> list[WorkgroupInvitation]:
    group = get_workgroup(workgroup_id, actor=actor)
    query = select(WorkgroupInvitation).where(WorkgroupInvitation.workgroup_id == group.id)
    if state:
        query = query.where(WorkgroupInvitation.state == state)
    return list(db.session.scalars(query.order_by(WorkgroupInvitation.id)))


def my_invitations(*, actor: User) -> list[WorkgroupInvitation]:
    """The pending workgroup invitations the actor may accept or decline."""
    return list(db.session.scalars(select(WorkgroupInvitation).where(
        WorkgroupInvitation.user_id == actor.id, WorkgroupInvitation.state == InvitationState.PENDING)
        .order_by(WorkgroupInvitation.id)))


def _invitation(workgroup_id: int, invitation_id: int) -> WorkgroupInvitation:
    row = db.session.get(WorkgroupInvitation, invitation_id)
    if row is None or row.workgroup_id != workgroup_id:
        raise NotFound(f"No invitation {invitation_id} in workgroup {workgroup_id}")
    return row


def revoke_group_invitation(workgroup_id: int, invitation_id: int, *, actor: User) -> WorkgroupInvitation:
    _require_active(actor)
    row = _invitation(workgroup_id, invitation_id)
    if not (acts_as_admin(actor) or row.invited_by_id == actor.id):
        raise Forbidden("Only an administrator or the person who sent the invitation can revoke it")
    _require_pending(row)
    row.state, row.answered_at = InvitationState.REVOKED, utcnow()
    db.session.flush()
    return row


def answer_invitation(workgroup_id: int, invitation_id: int, accept: bool, *, actor: User
                      ) -> WorkgroupInvitation:
    """The invited person accepts (and becomes a member) or declines."""
    _require_active(actor)
    row = _invitation(workgroup_id, invitation_id)
    if row.user_id != actor.id:
        raise Forbidden("Only the invited person can accept or decline an invitation")
    _require_pending(row)
    row.state, row.answered_at = (InvitationState.ACCEPTED if accept else InvitationState.DECLINED), utcnow()
    if accept and membership(row.workgroup, actor.id) is None:
        db.session.add(WorkgroupMember(workgroup_id=row.workgroup_id, user_id=actor.id))
    db.session.flush()
    _forget_rights()
    return row


def _require_pending(row: WorkgroupInvitation) -> None:
    if row.state != InvitationState.PENDING:
        raise Conflict(f"The invitation was already {row.state}")
