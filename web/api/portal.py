"""The portal's people: invitations, dismiss and hire, administrator rights, admin mode."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import json_value
from errors import ValidationError
from org.admin import admin_mode_on
from org.models import Invitation
from org.services import admins as admin_svc
from org.services import employment as employment_svc
from org.services import invitations as invitation_svc
from org.services.tokens import set_token_admin_mode
from web.api import api, json_body
from web.api.org import user_to_dict


def invitation_to_dict(row: Invitation) -> dict:
    return {
        "id": row.id, "email": row.email, "user_id": row.user_id, "kind": row.kind, "state": row.state,
        "invited_by_id": row.invited_by_id, "created_at": json_value(row.created_at),
        "expires_at": json_value(row.expires_at), "sent_at": json_value(row.sent_at),
        "send_error": row.send_error, "accepted_at": json_value(row.accepted_at),
        "revoked_at": json_value(row.revoked_at),
    }


def _items(rows: list) -> dict:
    return {"items": [invitation_to_dict(r) for r in rows]}


@api.post("/invitations")
def create_invitations():
    """Invite one or many addresses; each gets a mail with a single-use link."""
    data = json_body()
    unknown = {k: "Unknown field" for k in data if k != "emails"}
    if unknown:
        raise ValidationError.from_fields(unknown)
    return jsonify(_items(invitation_svc.invite_people(data.get("emails"), actor=g.actor))), 201


@api.get("/invitations")
def list_invitations():
    state = request.args.get("state") or None
    return jsonify(_items(invitation_svc.list_invitations(actor=g.actor, state=state)))


@api.post("/invitations/<int:invitation_id>/resend")
def resend_invitation(invitation_id: int):
    return jsonify(invitation_to_dict(invitation_svc.resend_invitation(invitation_id, actor=g.actor)))


@api.delete("/invitations/<int:invitation_id>")
def revoke_invitation(invitation_id: int):
    return jsonify(invitation_to_dict(invitation_svc.revoke_invitation(invitation_id, actor=g.actor)))


@api.post("/users/<int:user_id>/dismiss")
def dismiss_user(user_id: int):
    return jsonify(user_to_dict(employment_svc.dismiss_user(user_id, actor=g.actor)))


@api.post("/users/<int:user_id>/hire")
def hire_user(user_id: int):
    return jsonify(user_to_dict(employment_svc.hire_user(user_id, actor=g.actor)))


@api.post("/users/<int:user_id>/admin-rights")
def grant_admin(user_id: int):
    return jsonify(user_to_dict(admin_svc.grant_admin(user_id, actor=g.actor)))


@api.delete("/users/<int:user_id>/admin-rights")
def revoke_admin(user_id: int):
    return jsonify(user_to_dict(admin_svc.revoke_admin(user_id, actor=g.actor)))


@api.post("/users/<int:user_id>/admin-rights/transfer")
def transfer_admin(user_id: int):
    """Pass the administrator role on: the user gets it, the caller gives theirs up."""
    return jsonify(user_to_dict(admin_svc.transfer_admin(user_id, actor=g.actor)))


@api.post("/me/admin-mode")
def switch_admin_mode():
    """Admin mode for the token making this call, until switched off."""
    data = json_body()
    errors = {k: "Unknown field" for k in data if k != "on"}
    if not isinstance(data.get("on"), bool):
        errors["on"] = "Expected true or false"
    if errors:
        raise ValidationError.from_fields(errors)
    set_token_admin_mode(g.api_token, data["on"], actor=g.actor)
    return jsonify({"admin_mode": admin_mode_on(g.actor)})
