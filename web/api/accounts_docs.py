"""OpenAPI entries of passwords (reset links, changing and setting one) and the mail outbox."""
from __future__ import annotations

from web.api.openapi import op, param, path_id, ref, register_paths

TEXT = {"type": "string"}
NULL_TEXT = {"type": ["string", "null"]}
PASSWORD = {"type": "string", "minLength": 10, "description": "NIST SP 800-63B: at least 10 characters, "
                                                              "not a common password, no composition rules"}
ADMIN = "Administrators in admin mode only."


def _obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


SCHEMAS = {
    "PasswordResetRequest": _obj({"email": {"type": "string", "format": "email"}}),
    "PasswordInput": _obj({"password": PASSWORD}),
    "PasswordChange": _obj({"current_password": TEXT, "password": PASSWORD}),
    "Done": _obj({"status": TEXT, "message": TEXT, "user_id": {"type": "integer"}}, required=["status"]),
    "OutboxMail": _obj({
        "id": {"type": "integer"}, "to": TEXT, "subject": TEXT,
        "kind": {"enum": ["invitation", "welcome", "password_reset", "notification", "process"]},
        "state": {"enum": ["queued", "sending", "sent", "failed", "held"],
                  "description": "held: no SMTP server is set; failed: `error` says why"},
        "error": NULL_TEXT, "attempts": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "sent_at": {"type": ["string", "null"], "format": "date-time"},
        "link": {"type": ["string", "null"], "description": "The invitation or password link of a held or "
                                                            "failed mail, to pass on by hand"}}),
    "OutboxPage": _obj({"items": {"type": "array", "items": ref("OutboxMail")}, "total": {"type": "integer"},
                        "page": {"type": "integer"}, "per_page": {"type": "integer"}}),
    "OutboxReleased": _obj({"released": {"type": "integer"}}),
}


def _paths() -> dict:
    uid = path_id("user_id")
    token = param("token", "path", {"type": "string"})
    done = ref("Done")
    return {
        "/auth/password-reset": {"post": op(
            "Mail a link to choose a new password", tag="Auth", operation_id="request_password_reset",
            status="202", body=ref("PasswordResetRequest"), response=done, public=True, errors=("422", "429"),
            description="202 whatever the address (nothing tells whether an account has it). The link works "
                        "once, for PASSWORD_RESET_MINUTES (60). Throttled per address and per account.")},
        "/auth/password-reset/{token}": {"post": op(
            "Choose a new password through a link", tag="Auth", operation_id="reset_password", params=[token],
            body=ref("PasswordInput"), response=done, public=True, errors=("404", "410", "422"),
            description="410 when the link was used or has expired. Every session and API token of the "
                        "person ends.")},
        "/me/password": {"post": op(
            "Change your password", tag="Me", operation_id="change_my_password", body=ref("PasswordChange"),
            response=done, errors=("401", "422"),
            description="Your other sessions and API tokens end; the token making this call keeps working.")},
        "/users/{user_id}/password": {"post": op(
            "Set a user's password", tag="Users", operation_id="set_user_password", params=[uid],
            body=ref("PasswordInput"), response=done,
            description=ADMIN + " Their sessions and API tokens end.")},
        "/users/{user_id}/password-reset": {"post": op(
            "Mail a user a link to choose a new password", tag="Users", operation_id="send_password_reset",
            params=[uid], status="202", response=done, errors=("401", "403", "404", "409"),
            description=ADMIN)},
        "/mail/outbox": {"get": op(
            "The outbox of system mails", tag="Mail", operation_id="list_outbox", response=ref("OutboxPage"),
            params=[param("state", schema={"enum": ["queued", "sending", "sent", "failed", "held"]}),
                    param("page", schema={"type": "integer", "minimum": 1}),
                    param("per_page", schema={"type": "integer", "minimum": 1, "maximum": 200})],
            description=ADMIN + " Newest first.")},
        "/mail/outbox/release": {"post": op(
            "Send held (and failed) mail again", tag="Mail", operation_id="release_outbox",
            response=ref("OutboxReleased"), errors=("401", "403"),
            description=ADMIN + " Saving the SMTP settings does it too.")},
    }


register_paths(_paths(), schemas=SCHEMAS)
