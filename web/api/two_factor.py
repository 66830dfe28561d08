"""/me/two-factor: the caller's two-factor sign-in (status, set up, confirm, recovery codes, off)."""
from __future__ import annotations

from flask import g, jsonify

from org.services import two_factor as svc
from web.api import api, json_body
from web.api.openapi import op, ref, register_paths

BASE = "/me/two-factor"


def _status() -> dict:
    user = g.actor
    return {"enabled": user.has_two_factor, "pending": bool(user.totp_secret) and not user.has_two_factor,
            "required": svc.enrolment_required(user),
            "recovery_codes_left": svc.recovery_codes_left(user) if user.has_two_factor else 0}


@api.get(BASE)
def get_two_factor():
    return jsonify(_status())


@api.post(BASE + "/start")
def start_two_factor():
    """A new key: the otpauth URI (and the key and QR code) for the authenticator app."""
    return jsonify(svc.begin_enrolment(actor=g.actor))


@api.post(BASE + "/confirm")
def confirm_two_factor():
    codes = svc.confirm_enrolment(str(json_body().get("code") or ""), actor=g.actor)
    return jsonify({"recovery_codes": codes})


@api.post(BASE + "/recovery-codes")
def new_recovery_codes():
    codes = svc.regenerate_recovery_codes(str(json_body().get("code") or ""), actor=g.actor)
    return jsonify({"recovery_codes": codes})


@api.post(BASE + "/disable")
def disable_two_factor():
    data = json_body()
    svc.disable(str(data.get("password") or ""), str(data.get("code") or ""), actor=g.actor)
    return jsonify(_status())


def _schemas() -> dict:
    text = {"type": "string"}
    status = {"type": "object", "additionalProperties": False,
              "required": ["enabled", "pending", "required", "recovery_codes_left"],
              "properties": {"enabled": {"type": "boolean"},
                             "pending": {"type": "boolean", "description": "Set up, not confirmed yet"},
                             "required": {"type": "boolean", "description": (
                                 "An administrator who must set it up before using admin mode")},
                             "recovery_codes_left": {"type": "integer"}}}
    setup = {"type": "object", "additionalProperties": False, "required": ["secret", "uri", "qr_svg"],
             "properties": {"secret": text, "uri": {"type": "string", "description": "otpauth:// URI"},
                            "qr_svg": {"type": "string", "description": "The URI as an SVG QR code"}}}
    codes = {"type": "object", "additionalProperties": False, "required": ["recovery_codes"],
             "properties": {"recovery_codes": {"type": "array", "items": text,
                                               "description": "Ten single-use codes, shown once"}}}
    code = {"type": "object", "required": ["code"], "additionalProperties": False,
            "properties": {"code": {"type": "string", "description": "The app's current 6-digit code"}}}
    off = {"type": "object", "required": ["password", "code"], "additionalProperties": False,
           "properties": {"password": text, "code": {
               "type": "string", "description": "The app's current code or a recovery code"}}}
    return {"TwoFactorStatus": status, "TwoFactorSetup": setup, "RecoveryCodes": codes,
            "TwoFactorCode": code, "TwoFactorOff": off}


def _docs() -> None:
    tag = "Two-factor sign-in"
    changes = ("401", "409", "422")
    register_paths({
        BASE: {"get": op("My two-factor sign-in", tag=tag, operation_id="get_two_factor",
                         response=ref("TwoFactorStatus"), errors=("401",))},
        BASE + "/start": {"post": op(
            "Start setting it up: a new key", tag=tag, operation_id="start_two_factor",
            response=ref("TwoFactorSetup"), errors=("401", "409"))},
        BASE + "/confirm": {"post": op(
            "Turn it on with a first code", tag=tag, operation_id="confirm_two_factor",
            body=ref("TwoFactorCode"), response=ref("RecoveryCodes"), errors=changes)},
        BASE + "/recovery-codes": {"post": op(
            "Ten new recovery codes (the old ones stop working)", tag=tag, operation_id="new_recovery_codes",
            body=ref("TwoFactorCode"), response=ref("RecoveryCodes"), errors=changes)},
        BASE + "/disable": {"post": op(
            "Turn it off (password and a code)", tag=tag, operation_id="disable_two_factor",
            body=ref("TwoFactorOff"), response=ref("TwoFactorStatus"), errors=changes)}},
        schemas=_schemas())


_docs()
