"""Every mail and mail-settings endpoint answers as the OpenAPI document declares."""
from __future__ import annotations

import pytest

from tests.integration.mail.conftest import CRM_ADDRESS, make, message, poll
from tests.integration.test_openapi import DocClient


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").json


def _settings(c: DocClient, smtp, crm_box) -> None:
    c.call("get", "/settings/smtp")
    c.call("put", "/settings/smtp", {"host": smtp.host, "port": smtp.port, "security": "none",
                                     "from_address": "crm@flowdesk.test", "password": "pw"})
    assert c.call("put", "/settings/smtp", {"port": "x"}).status_code == 422
    c.call("post", "/settings/smtp/test", {"to": "a@acme.test"})
    c.call("get", "/mail/outbox")  # system mail (mail/outbox.py)
    c.call("post", "/mail/outbox/release")
    c.call("get", "/settings/crm-mailbox")
    assert c.call("post", "/settings/crm-mailbox/poll").status_code == 409  # not configured yet
    c.call("put", "/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, unmatched="keep"))
    assert c.call("post", "/settings/crm-mailbox/poll").status_code == 202


def _templates_and_sending(c: DocClient, contact_id: int) -> None:
    tid = c.call("post", "/mail/templates", {"name": "T", "subject": "Hi {{ contact.first_name }}",
                                             "body": "x"}).json["id"]
    c.call("get", "/mail/templates")
    c.call("get", "/mail/templates/{template_id}", template_id=tid)
    c.call("patch", "/mail/templates/{template_id}", {"body": "Dear {{ contact.first_name }}"},
           template_id=tid)
    c.call("post", "/mail/templates/{template_id}/preview", {"entity": "contact", "id": contact_id},
           template_id=tid)
    c.call("post", "/mail/templates/preview",
           {"entity": "contact", "id": contact_id, "subject": "s", "body": "b"})
    assert c.call("post", "/mail/templates", {"name": "E", "subject": "{{ x.__class__ }}"}).status_code == 422
    job = c.call("post", "/mail/send", {"template_id": tid, "entity": "contact", "ids": [contact_id]}).json
    from mail.services.sending import run_job

    run_job(job["id"])
    c.call("get", "/jobs/{job_id}", job_id=job["id"])
    c.call("get", "/jobs/{job_id}/items", job_id=job["id"])
    c.call("post", "/jobs/{job_id}/retry", job_id=job["id"])
    assert c.call("get", "/jobs/{job_id}", job_id=999).status_code == 404
    other = c.call("post", "/mail/templates", {"name": "Gone", "subject": "x"}).json["id"]
    c.call("delete", "/mail/templates/{template_id}", template_id=other)


def _received(c: DocClient, crm_box, lead_id: int) -> None:
    crm_box.append(message(sender="nobody@nowhere.test", subject="Unassigned",
                           attachments=[("a.txt", b"attached", "text/plain")]))
    crm_box.append(b"From: x@y.test\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                   + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 600 + b"--b--\r\n")
    poll()
    (mail,) = c.call("get", "/mail/unassigned").json["items"]
    full = c.call("get", "/mail/messages/{mail_id}", mail_id=mail["id"]).json
    assert full["attachments"][0]["filename"] == "a.txt"
    c.call("post", "/mail/messages/{mail_id}/attach", {"entity": "lead", "id": lead_id}, mail_id=mail["id"])
    (failed,) = c.call("get", "/mail/failed").json["items"]
    c.call("post", "/mail/failed/{mail_id}/retry", mail_id=failed["id"])
    assert c.call("get", "/mail/messages/{mail_id}", mail_id=999999).status_code == 404


def _personal(c: DocClient, imap_user) -> None:
    box = imap_user()
    uid = box.append(message(sender="lee@acme.test", subject="Mine"))
    c.call("get", "/me/mailbox")
    assert c.call("put", "/me/mailbox", {**box.settings(), "password": "bad"}).status_code == 422
    c.call("put", "/me/mailbox", box.settings())
    c.call("get", "/me/mailbox/messages")
    c.call("get", "/me/mailbox/messages/{uid}", uid=uid)
    c.call("post", "/me/mailbox/messages/{uid}/log", uid=uid)
    c.call("delete", "/me/mailbox")


def test_mail_endpoints_answer_as_documented(api, doc, admin, smtp, imap_user):
    c = DocClient(api, doc)
    crm_box = imap_user()
    contact = make("contact", admin, first_name="Ann", last_name="Lee", emails=["lee@acme.test"])
    lead = make("lead", admin, title="Target")
    _settings(c, smtp, crm_box)
    _templates_and_sending(c, contact.id)
    _received(c, crm_box, lead.id)
    _personal(c, imap_user)
    r = api.get(f"/mail/attachments/{c.api.get('/mail/messages/1').json['attachments'][0]['id']}")
    assert r.status_code == 200 and r.data == b"attached"
    prefixes = ("/mail", "/jobs", "/settings/smtp", "/settings/crm-mailbox", "/me/mailbox")
    mail_paths = {(p, m) for p, item in doc["paths"].items() for m in item if p.startswith(prefixes)}
    assert mail_paths - c.used == {("/mail/attachments/{attachment_id}", "get")}
