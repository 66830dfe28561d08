"""Mail settings (administrators): SMTP with a test mail, the Send&Save CRM mailbox, poll now."""
from __future__ import annotations

from flask import g, jsonify

from mail.services import settings as svc
from web.api import api, json_body
from web.api.mail_docs import register_settings_docs


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


register_settings_docs()
