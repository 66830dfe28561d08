"""/workgroups: the groups, their members and moderators, and invitations into them."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import json_value
from errors import ValidationError
from org.services import workgroups as svc
from org.states import WORKGROUP_INVITATION_STATES, InvitationState
from org.workgroups import Workgroup, WorkgroupInvitation, WorkgroupMember
from web.api import api, json_body


def member_to_dict(group: Workgroup, m: WorkgroupMember) -> dict:
    return {"user_id": m.user_id, "full_name": m.user.full_name, "email": m.user.email,
            "is_owner": m.user_id == group.owner_id, "is_moderator": m.is_moderator,
            "active": m.user.active}


def workgroup_to_dict(group: Workgroup) -> dict:
    """The group with its members; `my_role` and `can` say what the caller may do."""
    me = g.actor
    return {
        "id": group.id, "name": group.name, "description": group.description or "",
        "invite_policy": group.invite_policy, "owner_id": group.owner_id,
        "created_at": json_value(group.created_at),
        "members": [member_to_dict(group, m) for m in group.members],
        "moderator_ids": [m.user_id for m in group.members if m.is_moderator],
        "my_role": svc.role_in(group, me),
        "can": {"edit": svc.may_edit(group, me), "manage": svc.may_manage(group, me),
                "invite": svc.may_invite(group, me)},
    }


def invitation_to_dict(row: WorkgroupInvitation) -> dict:
    return {"id": row.id, "workgroup_id": row.workgroup_id, "workgroup_name": row.workgroup.name,
            "user_id": row.user_id, "full_name": row.user.full_name, "invited_by_id": row.invited_by_id,
            "state": row.state, "created_at": json_value(row.created_at),
            "answered_at": json_value(row.answered_at)}


def _invitations(rows: list[WorkgroupInvitation]) -> dict:
    return {"items": [invitation_to_dict(r) for r in rows]}


@api.get("/workgroups")
def list_workgroups():
    """Every workgroup; `?mine=true` only those the caller belongs to."""
    mine = request.args.get("mine", "false").lower()
    if mine not in ("true", "false"):
        raise ValidationError.from_fields({"mine": "Use true or false"})
    groups = svc.list_workgroups(actor=g.actor, mine=mine == "true")
    return jsonify({"items": [workgroup_to_dict(w) for w in groups]})


@api.post("/workgroups")
def create_workgroup():
    return jsonify(workgroup_to_dict(svc.create_workgroup(json_body(), actor=g.actor))), 201


@api.get("/workgroups/<int:workgroup_id>")
def get_workgroup(workgroup_id: int):
    return jsonify(workgroup_to_dict(svc.get_workgroup(workgroup_id, actor=g.actor)))


@api.patch("/workgroups/<int:workgroup_id>")
def update_workgroup(workgroup_id: int):
    return jsonify(workgroup_to_dict(svc.update_workgroup(workgroup_id, json_body(), actor=g.actor)))


@api.delete("/workgroups/<int:workgroup_id>")
def delete_workgroup(workgroup_id: int):
    svc.delete_workgroup(workgroup_id, actor=g.actor)
    return "", 204


@api.get("/workgroups/<int:workgroup_id>/members")
def list_members(workgroup_id: int):
    group = svc.get_workgroup(workgroup_id, actor=g.actor)
    return jsonify({"items": [member_to_dict(group, m) for m in group.members]})


@api.delete("/workgroups/<int:workgroup_id>/members/<int:user_id>")
def remove_member(workgroup_id: int, user_id: int):
    """Remove a member (owner, administrators) or leave the group (yourself)."""
    svc.remove_member(workgroup_id, user_id, actor=g.actor)
    return "", 204


@api.get("/workgroups/<int:workgroup_id>/moderators")
def list_moderators(workgroup_id: int):
    group = svc.get_workgroup(workgroup_id, actor=g.actor)
    return jsonify({"items": [member_to_dict(group, m) for m in group.members if m.is_moderator]})


@api.put("/workgroups/<int:workgroup_id>/moderators/<int:user_id>")
def add_moderator(workgroup_id: int, user_id: int):
    member = svc.set_moderator(workgroup_id, user_id, True, actor=g.actor)
    return jsonify(member_to_dict(member.workgroup, member))


@api.delete("/workgroups/<int:workgroup_id>/moderators/<int:user_id>")
def remove_moderator(workgroup_id: int, user_id: int):
    svc.set_moderator(workgroup_id, user_id, False, actor=g.actor)
    return "", 204


@api.get("/workgroups/<int:workgroup_id>/invitations")
def list_group_invitations(workgroup_id: int):
    """Pending invitations; `?state=accepted|declined|revoked|all` for others."""
    state = request.args.get("state", InvitationState.PENDING)
    if state not in (*WORKGROUP_INVITATION_STATES, "all"):
        raise ValidationError.from_fields({"state": "One of pending, accepted, declined, revoked, all"})
    rows = svc.list_group_invitations(workgroup_id, actor=g.actor, state=None if state == "all" else state)
    return jsonify(_invitations(rows))


@api.post("/workgroups/<int:workgroup_id>/invitations")
def invite_members(workgroup_id: int):
    data = json_body()
    unknown = {k: "Unknown field" for k in data if k != "user_ids"}
    if unknown:
        raise ValidationError.from_fields(unknown)
    return jsonify(_invitations(svc.invite_members(workgroup_id, data.get("user_ids"), actor=g.actor))), 201


@api.delete("/workgroups/<int:workgroup_id>/invitations/<int:invitation_id>")
def revoke_group_invitation(workgroup_id: int, invitation_id: int):
    row = svc.revoke_group_invitation(workgroup_id, invitation_id, actor=g.actor)
    return jsonify(invitation_to_dict(row))


@api.post("/workgroups/<int:workgroup_id>/invitations/<int:invitation_id>/accept")
def accept_group_invitation(workgroup_id: int, invitation_id: int):
    row = svc.answer_invitation(workgroup_id, invitation_id, True, actor=g.actor)
    return jsonify(invitation_to_dict(row))


@api.post("/workgroups/<int:workgroup_id>/invitations/<int:invitation_id>/decline")
def decline_group_invitation(workgroup_id: int, invitation_id: int):
    row = svc.answer_invitation(workgroup_id, invitation_id, False, actor=g.actor)
    return jsonify(invitation_to_dict(row))


@api.get("/me/workgroup-invitations")
def my_workgroup_invitations():
    """Pending invitations into workgroups for the caller to accept or decline."""
    return jsonify(_invitations(svc.my_invitations(actor=g.actor)))
