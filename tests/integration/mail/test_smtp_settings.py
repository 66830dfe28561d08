"""SMTP settings (administrators, password encrypted at rest) and the test mail through aiosmtpd."""
from __future__ import annotations

import logging

from sqlalchemy import select

from extensions import db
from mail import crypto
from mail.models import MailSetting
from tests.support.services import free_port


def smtp_body(server, **extra: object) -> dict:
    return {"host": server.host, "port": server.port, "security": "none", "from_address": "crm@flowdesk.test",
            "from_name": "Flowdesk CRM", **extra}


def test_smtp_settings_are_admin_only_validated_and_the_password_is_encrypted(api, api_for, make_user, smtp):
    assert api.get("/settings/smtp").json["transport"] == "log"
    user_api = api_for(make_user())
    assert user_api.get("/settings/smtp").status_code == 403
    assert user_api.put("/settings/smtp", smtp_body(smtp)).status_code == 403
    bad = api.put("/settings/smtp", {"host": "mail server", "port": 0, "security": "tls", "from_address": "x",
                                     "extra": 1})
    assert bad.status_code == 422
    assert set(bad.json["fields"]) == {"host", "port", "security", "from_address", "extra"}
    r = api.put("/settings/smtp", smtp_body(smtp, user="mailer", password="s3cret-Pass"))
    assert r.status_code == 200 and r.json["configured"] and r.json["password_set"]
    assert "password" not in r.json and "s3cret" not in r.get_data(as_text=True)
    stored = db.session.scalar(select(MailSetting).where(MailSetting.name == "smtp")).data
    assert "s3cret-Pass" not in str(stored) and crypto.decrypt(stored["password_enc"]) == "s3cret-Pass"
    kept = api.put("/settings/smtp", smtp_body(smtp, user="mailer")).json  # no password: kept
    assert kept["password_set"]
    cleared = api.put("/settings/smtp", smtp_body(smtp, password="")).json
    assert not cleared["password_set"] and cleared["user"] == ""


def test_the_test_mail_reports_the_servers_answer(api, smtp):
    api.put("/settings/smtp", smtp_body(smtp))
    r = api.post("/settings/smtp/test", {"to": "boss@acme.test"})
    assert r.status_code == 200
    assert r.json["ok"] and r.json["transport"] == "smtp" and r.json["code"] == 250
    assert "Message accepted for delivery" in r.json["answer"]
    (sent,) = smtp.messages
    assert sent["rcpt_tos"] == ["boss@acme.test"] and sent["mail_from"] == "crm@flowdesk.test"
    assert b"Subject: Flowdesk test mail" in sent["data"]
    smtp.handler.refuse.add("nobody@acme.test")
    refused = api.post("/settings/smtp/test", {"to": "nobody@acme.test"}).json
    assert not refused["ok"] and refused["code"] == 550 and "Recipient address rejected" in refused["answer"]
    assert api.post("/settings/smtp/test", {"to": "not an address"}).status_code == 422


def test_the_test_mail_reports_a_server_that_is_down_or_a_lost_key(api, app, monkeypatch, smtp):
    api.put("/settings/smtp", smtp_body(smtp, port=free_port()))
    down = api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json
    assert not down["ok"] and "Cannot connect" in down["answer"]
    api.put("/settings/smtp", smtp_body(smtp, password="pw"))
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key")
    lost = api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json
    assert not lost["ok"] and "SECRET_KEY" in lost["answer"]


def test_until_configured_mail_goes_to_the_log(api, caplog):
    with caplog.at_level(logging.INFO, logger="flowdesk.mail.outgoing"):
        r = api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json
    assert r["ok"] and r["transport"] == "log" and r["code"] is None
    assert "SMTP is not configured" in caplog.text and "Flowdesk test mail" in caplog.text
