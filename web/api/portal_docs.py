"""OpenAPI entries for invitations, dismiss/hire, administrator rights, admin mode and workgroups."""
from __future__ import annotations

from org.models import MAX_ID
from org.workgroups import INVITE_POLICIES
from web.api.openapi import items_of, op, param, path_id, ref, register_paths

PEOPLE, GROUPS, ME = "Users", "Workgroups", "Me"
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULL_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
TIME = {"type": "string", "format": "date-time"}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": "string"}
FLAG = {"type": "boolean"}
ADMIN = "Administrators in admin mode only."


def _obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


SCHEMAS = {
    "Invitation": _obj({
        "id": ID, "email": TEXT, "user_id": ID,
        "kind": {"enum": ["invite", "welcome"], "description": "welcome: a link to set a first password"},
        "state": {"enum": ["pending", "accepted", "expired", "revoked"]},
        "invited_by_id": NULL_ID, "created_at": TIME, "expires_at": TIME, "sent_at": NULL_TIME,
        "send_error": {"type": ["string", "null"], "description": "Why the mail could not be sent"},
        "accepted_at": NULL_TIME, "revoked_at": NULL_TIME}),
    "InvitationList": items_of("Invitation"),
    "InvitationRequest": _obj({"emails": {"type": "array", "minItems": 1, "maxItems": 100,
                                          "items": {"type": "string", "format": "email"}}}),
    "AdminModeRequest": _obj({"on": FLAG}),
    "AdminModeState": _obj({"admin_mode": FLAG}),
    "WorkgroupMember": _obj({"user_id": ID, "full_name": TEXT, "email": TEXT, "is_owner": FLAG,
                             "is_moderator": FLAG, "active": FLAG}),
    "WorkgroupMemberList": items_of("WorkgroupMember"),
    "Workgroup": _obj({
        "id": ID, "name": TEXT, "description": TEXT, "invite_policy": {"enum": list(INVITE_POLICIES)},
        "owner_id": NULL_ID, "created_at": TIME,
        "members": {"type": "array", "items": ref("WorkgroupMember")},
        "moderator_ids": {"type": "array", "items": ID},
        "my_role": {"enum": ["owner", "moderator", "member", None]},
        "can": _obj({"edit": FLAG, "manage": FLAG, "invite": FLAG})}),
    "WorkgroupList": items_of("Workgroup"),
    "WorkgroupInput": _obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": ["string", "null"]},
        "invite_policy": {"enum": list(INVITE_POLICIES)},
        "owner_id": {**ID, "description": "Pass the ownership on to a member (owner, administrators)"}},
        required=[]),
    "WorkgroupInvitation": _obj({
        "id": ID, "workgroup_id": ID, "workgroup_name": TEXT, "user_id": ID, "full_name": TEXT,
        "invited_by_id": NULL_ID, "state": {"enum": ["pending", "accepted", "declined", "revoked"]},
        "created_at": TIME, "answered_at": NULL_TIME}),
    "WorkgroupInvitationList": items_of("WorkgroupInvitation"),
    "WorkgroupInvitationRequest": _obj({"user_ids": {"type": "array", "minItems": 1, "items": ID}}),
}


def _people_paths() -> dict:
    iid, uid = path_id("invitation_id"), path_id("user_id")
    state = param("state", schema={"enum": ["pending", "accepted", "expired", "revoked"]})
    user = ref("User")
    return {
        "/invitations": {
            "get": op("Invitations (administrators see all, others the ones they sent)", tag=PEOPLE,
                      operation_id="list_invitations", params=[state], response=ref("InvitationList")),
            "post": op("Invite people by e-mail", tag=PEOPLE, operation_id="create_invitations", status="201",
                       body=ref("InvitationRequest"), response=ref("InvitationList"),
                       description="Each address gets a mail with a single-use link that expires "
                                   "(INVITATION_DAYS, 7 by default). All or nothing: errors name emails[i]."),
        },
        "/invitations/{invitation_id}": {"delete": op(
            "Revoke an invitation (administrators or the inviter)", tag=PEOPLE,
            operation_id="revoke_invitation", params=[iid], response=ref("Invitation"),
            errors=("401", "403", "404", "409"))},
        "/invitations/{invitation_id}/resend": {"post": op(
            "Send a new link (the old one stops working)", tag=PEOPLE, operation_id="resend_invitation",
            params=[iid], response=ref("Invitation"), errors=("401", "403", "404", "409"))},
        "/users/{user_id}/dismiss": {"post": op(
            "Dismiss a user", tag=PEOPLE, operation_id="dismiss_user", params=[uid], response=user,
            errors=("401", "403", "404", "409"),
            description=ADMIN + " Sessions and tokens stop working at once; open inbox tasks go back "
                                "to their candidates or to the department head; nothing is deleted.")},
        "/users/{user_id}/hire": {"post": op(
            "Make a dismissed user active again", tag=PEOPLE, operation_id="hire_user", params=[uid],
            response=user, description=ADMIN, errors=("401", "403", "404", "409"))},
        "/users/{user_id}/admin-rights": {
            "post": op("Grant administrator rights", tag=PEOPLE, operation_id="grant_admin", params=[uid],
                       response=user, description=ADMIN, errors=("401", "403", "404", "409")),
            "delete": op("Revoke administrator rights", tag=PEOPLE, operation_id="revoke_admin",
                         params=[uid], response=user, errors=("401", "403", "404", "409"),
                         description=ADMIN + " Refused (409) for the last active administrator."),
        },
        "/users/{user_id}/admin-rights/transfer": {"post": op(
            "Pass the administrator role on (the caller gives theirs up)", tag=PEOPLE,
            operation_id="transfer_admin", params=[uid], response=user, description=ADMIN,
            errors=("401", "403", "404", "409"))},
        "/me/admin-mode": {"post": op(
            "Switch admin mode on or off for this token", tag=ME, operation_id="switch_admin_mode",
            body=ref("AdminModeRequest"), response=ref("AdminModeState"), errors=("401", "403", "422"),
            description="Administrators work as ordinary users until admin mode is on; it holds for "
                        "the token until switched off.")},
        "/me": {"get": op("The caller (with admin mode for this token)", tag=ME, operation_id="get_me",
                          response=ref("Me"))},
    }


def _group_paths() -> dict:
    wid, uid, iid = path_id("workgroup_id"), path_id("user_id"), path_id("invitation_id")
    conflict = ("401", "403", "404", "409")
    group, invitation = ref("Workgroup"), ref("WorkgroupInvitation")
    return {
        "/workgroups": {
            "get": op("Workgroups", tag=GROUPS, operation_id="list_workgroups", response=ref("WorkgroupList"),
                      params=[param("mine", schema={"enum": ["true", "false"], "default": "false"})]),
            "post": op("Create a workgroup (you own it)", tag=GROUPS, operation_id="create_workgroup",
                       status="201", body={"allOf": [ref("WorkgroupInput"), {"required": ["name"]}]},
                       response=group),
        },
        "/workgroups/{workgroup_id}": {
            "get": op("Get a workgroup", tag=GROUPS, operation_id="get_workgroup", params=[wid],
                      response=group),
            "patch": op("Change a workgroup (administrators, the owner, moderators)", tag=GROUPS,
                        operation_id="update_workgroup", params=[wid], body=ref("WorkgroupInput"),
                        response=group),
            "delete": op("Delete a workgroup (administrators, the owner)", tag=GROUPS,
                         operation_id="delete_workgroup", params=[wid], status="204"),
        },
        "/workgroups/{workgroup_id}/members": {"get": op(
            "Members", tag=GROUPS, operation_id="list_workgroup_members", params=[wid],
            response=ref("WorkgroupMemberList"))},
        "/workgroups/{workgroup_id}/members/{user_id}": {"delete": op(
            "Remove a member (administrators, the owner) or leave (yourself)", tag=GROUPS,
            operation_id="remove_workgroup_member", params=[wid, uid], status="204", errors=conflict)},
        "/workgroups/{workgroup_id}/moderators": {"get": op(
            "Moderators", tag=GROUPS, operation_id="list_workgroup_moderators", params=[wid],
            response=ref("WorkgroupMemberList"))},
        "/workgroups/{workgroup_id}/moderators/{user_id}": {
            "put": op("Make a member a moderator (administrators, the owner)", tag=GROUPS,
                      operation_id="add_workgroup_moderator", params=[wid, uid],
                      response=ref("WorkgroupMember")),
            "delete": op("A moderator becomes an ordinary member (administrators, the owner)", tag=GROUPS,
                         operation_id="remove_workgroup_moderator", params=[wid, uid], status="204"),
        },
        "/workgroups/{workgroup_id}/invitations": {
            "get": op("Invitations into the workgroup", tag=GROUPS, operation_id="list_workgroup_invitations",
                      params=[wid, param("state", schema={"default": "pending", "enum": [
                          "pending", "accepted", "declined", "revoked", "all"]})],
                      response=ref("WorkgroupInvitationList")),
            "post": op("Invite people (as the group's invite policy allows)", tag=GROUPS,
                       operation_id="invite_workgroup_members", params=[wid], status="201",
                       body=ref("WorkgroupInvitationRequest"), response=ref("WorkgroupInvitationList")),
        },
        "/workgroups/{workgroup_id}/invitations/{invitation_id}": {"delete": op(
            "Revoke an invitation (administrators, the inviter)", tag=GROUPS,
            operation_id="revoke_workgroup_invitation", params=[wid, iid], response=invitation,
            errors=conflict)},
        "/workgroups/{workgroup_id}/invitations/{invitation_id}/accept": {"post": op(
            "Accept an invitation (the invited person)", tag=GROUPS,
            operation_id="accept_workgroup_invitation", params=[wid, iid], response=invitation,
            errors=conflict)},
        "/workgroups/{workgroup_id}/invitations/{invitation_id}/decline": {"post": op(
            "Decline an invitation (the invited person)", tag=GROUPS,
            operation_id="decline_workgroup_invitation", params=[wid, iid], response=invitation,
            errors=conflict)},
        "/me/workgroup-invitations": {"get": op(
            "Your pending workgroup invitations", tag=ME, operation_id="my_workgroup_invitations",
            response=ref("WorkgroupInvitationList"))},
    }


register_paths({**_people_paths(), **_group_paths()}, schemas=SCHEMAS)
