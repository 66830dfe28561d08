"""Settings (administrators): SMTP with a test mail, the Send&Save CRM mailbox, poll now, the network,
security (two-factor sign-in required for administrators)."""
from __future__ import annotations

from flask import g, jsonify

from mail.services import settings as svc
from org import settings as org_settings
from web.api import api, json_body
from web.api.mail_docs import register_settings_docs
from web.api.openapi import op, ref, register_paths


@api.get("/settings/smtp")
def get_smtp():
    return jsonify(svc.settings_for("smtp", actor=g.actor))


@api.put("/settings/smtp")
def put_smtp():
    return jsonify(svc.save_smtp(json_body(), actor=g.actor))


@api.post("/settings/smtp/test")
def test_smtp():
    return jsonify(svc.send_test_mail(json_body().get("to"), actor=g.actor))


@api.get("/settings/crm-mailbox")
def get_crm_mailbox():
    return jsonify(svc.settings_for("crm-mailbox", actor=g.actor))


@api.put("/settings/crm-mailbox")
def put_crm_mailbox():
    return jsonify(svc.save_crm_mailbox(json_body(), actor=g.actor))


@api.post("/settings/crm-mailbox/poll")
def poll_crm_mailbox():
    """Queue a poll now (ignoring the backoff); 202 with the mailbox's current state."""
    return jsonify(svc.request_poll(actor=g.actor)), 202


@api.get("/settings/network")
def get_network():
    return jsonify(org_settings.network_settings(actor=g.actor))


@api.put("/settings/network")
def put_network():
    return jsonify(org_settings.save_network_settings(json_body(), actor=g.actor))


@api.get("/settings/security")
def get_security():
    return jsonify(org_settings.security_settings(actor=g.actor))


@api.put("/settings/security")
def put_security():
    return jsonify(org_settings.save_security_settings(json_body(), actor=g.actor))


def _security_docs() -> None:
    flag = {"type": "boolean", "description": (
        "Administrators must use two-factor sign-in: without it they are sent to set it up after "
        "the password and cannot switch admin mode on")}
    shown = {"type": "object", "additionalProperties": False,
             "required": ["require_2fa_for_admins", "environment_requires_2fa"],
             "properties": {"require_2fa_for_admins": flag, "environment_requires_2fa": {
                 "type": "boolean", "description": "FLOWDESK_REQUIRE_2FA_FOR_ADMINS forces it on"}}}
    given = {"type": "object", "additionalProperties": False, "required": ["require_2fa_for_admins"],
             "properties": {"require_2fa_for_admins": flag}}
    register_paths({"/settings/security": {
        "get": op("Security settings (administrators)", tag="Settings", operation_id="get_security_settings",
                  response=ref("SecuritySettings"), errors=("401", "403")),
        "put": op("Change the security settings (administrators)", tag="Settings",
                  operation_id="put_security_settings", body=ref("SecuritySettingsInput"),
                  response=ref("SecuritySettings"), errors=("401", "403", "422"))}},
        schemas={"SecuritySettings": shown, "SecuritySettingsInput": given})


def _network_docs() -> None:
    hosts = {"type": "array", "items": {"type": "string"}, "description": (
        "Host names, addresses or CIDR networks (e.g. 10.0.0.0/8) outgoing connections (SMTP, IMAP, "
        "CalDAV, HTTP) may reach although they are loopback, private or link-local")}
    shown = {"type": "object", "additionalProperties": False,
             "required": ["allowed_private_hosts", "environment"],
             "properties": {"allowed_private_hosts": hosts, "environment": {
                 "type": "array", "items": {"type": "string"},
                 "description": "Entries of FLOWDESK_ALLOWED_PRIVATE_HOSTS (read-only)"}}}
    given = {"type": "object", "additionalProperties": False, "required": ["allowed_private_hosts"],
             "properties": {"allowed_private_hosts": hosts}}
    tag = "Settings"
    register_paths({"/settings/network": {
        "get": op("Private hosts outgoing connections may reach (administrators)", tag=tag,
                  operation_id="get_network_settings", response=ref("NetworkSettings"),
                  errors=("401", "403")),
        "put": op("Set the private hosts outgoing connections may reach (administrators)", tag=tag,
                  operation_id="put_network_settings", body=ref("NetworkSettingsInput"),
                  response=ref("NetworkSettings"), errors=("401", "403", "422"))}},
        schemas={"NetworkSettings": shown, "NetworkSettingsInput": given})


register_settings_docs()
_network_docs()
_security_docs()
