"""Passwords: reset links (public), changing one's own, administrators sending a link or setting one."""
from __future__ import annotations

from flask import g, jsonify, request

from errors import ValidationError
from org.services import passwords as svc
from org.services.users import require_admin
from web.api import PUBLIC_ENDPOINTS, api, json_body

PUBLIC_ENDPOINTS.update({"api.request_password_reset", "api.reset_password"})


def _text(data: dict, *names: str) -> dict:
    """422 naming fields that are unknown or not text."""
    errors = {k: "Unknown field" for k in data if k not in names}
    errors.update({k: "Expected text" for k in names if k in data and not isinstance(data[k], str)})
    errors.update({k: "This field is required" for k in names if not data.get(k)})
    if errors:
        raise ValidationError.from_fields(errors)
    return data


@api.post("/auth/password-reset", endpoint="request_password_reset")
def request_password_reset():
    """202 whatever the address: a link is mailed when an active account has it."""
    data = _text(json_body(), "email")
    svc.request_reset(data["email"], address=request.remote_addr)
    return jsonify({"status": "accepted", "message": "If an account has this address, a link to choose "
                                                     "a new password is on its way."}), 202


@api.post("/auth/password-reset/<token>", endpoint="reset_password")
def reset_password(token: str):
    data = _text(json_body(), "password")
    user = svc.reset_password(token, data["password"])
    return jsonify({"status": "done", "user_id": user.id})


@api.post("/me/password")
def change_my_password():
    """Your other sessions and API tokens end; the token making this call keeps working."""
    data = _text(json_body(), "current_password", "password")
    svc.change_own_password(g.actor, data["current_password"], data["password"],
                            keep_token_id=getattr(g.get("api_token"), "id", None))
    return jsonify({"status": "done"})


@api.post("/users/<int:user_id>/password")
def set_user_password(user_id: int):
    require_admin(g.actor)
    data = _text(json_body(), "password")
    svc.set_password(user_id, data["password"], actor=g.actor)
    return jsonify({"status": "done"})


@api.post("/users/<int:user_id>/password-reset")
def send_user_password_reset(user_id: int):
    svc.send_reset_link(user_id, actor=g.actor)
    return jsonify({"status": "queued"}), 202
