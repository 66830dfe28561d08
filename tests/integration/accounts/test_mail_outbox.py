"""The outbox of system mails: held while no SMTP server is set (links to copy on the outbox,
invitation and employee pages), released by the button, the API or saving the SMTP settings;
administrators in admin mode only; INFO logging reaches the console."""
from __future__ import annotations

import logging

from sqlalchemy import select

from extensions import db
from mail.outbox import OutboxState, SystemMail
from tests.integration.portal.helpers import admin_mode, login, mails_to


def _held_invitation(api, email: str = "held@example.com") -> dict:
    r = api.post("/invitations", {"emails": [email]})
    assert r.status_code == 201 and r.json["items"][0]["send_error"] == "No SMTP server is set"
    return r.json["items"][0]


def test_held_mail_is_released_by_the_api_once_smtp_works(api, admin, smtp_server, send_outbox):
    _held_invitation(api)
    assert db.session.scalar(select(SystemMail.state)) == OutboxState.HELD
    from mail.services.settings import save_smtp

    save_smtp({"host": smtp_server.host, "port": smtp_server.port, "security": "none",
               "from_address": "flowdesk@example.com"}, actor=admin)
    db.session.commit()
    r = api.post("/mail/outbox/release")
    assert r.status_code == 200 and r.json == {"released": 1}
    assert send_outbox() == ["sent"]
    [mail] = mails_to(smtp_server, "held@example.com")
    assert "/invitation/" in mail.get_payload(decode=True).decode()
    [row] = api.get("/mail/outbox").json["items"]
    assert row["state"] == "sent" and row["link"] is None and row["sent_at"]
    assert api.post("/mail/outbox/release").json == {"released": 0}


def test_saving_smtp_settings_releases_held_mail(api, admin, smtp_server, send_outbox, monkeypatch):
    import mail.outbox as outbox

    _held_invitation(api)
    kicked: list[tuple] = []
    monkeypatch.setattr(outbox, "enqueue_after_commit", lambda *args: kicked.append(args))
    r = api.put("/settings/smtp", {"host": smtp_server.host, "port": smtp_server.port, "security": "none",
                                   "from_address": "flowdesk@example.com"})
    assert r.status_code == 200, r.json
    assert kicked == [(outbox.RELEASE_TASK,)]
    from mail.tasks import release_held_mail

    assert release_held_mail() == 1
    assert send_outbox() == ["sent"] and len(mails_to(smtp_server, "held@example.com")) == 1


def test_only_administrators_in_admin_mode_see_the_outbox(api, api_for, admin, make_user):
    _held_invitation(api)
    member_api, plain = api_for(make_user()), api_for(admin, admin_mode=False)
    for caller in (member_api, plain):
        assert caller.get("/mail/outbox").status_code == 403
        assert caller.post("/mail/outbox/release").status_code == 403
    assert api.get("/mail/outbox?per_page=0").status_code == 422
    assert api.get("/mail/outbox?page=2&per_page=1").json["items"] == []


def test_pages_show_the_link_to_copy_when_mail_cannot_go_out(client, admin, api):
    login(client, admin)
    admin_mode(client)
    r = client.post("/company/invitations", data={"emails": "ivy@example.com"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="invite-links"' in page and "/invitation/" in page
    r = client.post("/company/employees/new", data={"email": "eve@example.com", "first_name": "Eve",
                                                    "last_name": "Ek"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert 'id="unsent-link"' in page and "/invitation/" in page
    outbox = client.get("/settings/mail/outbox?state=held").get_data(as_text=True)
    assert outbox.count("data-outbox-link") == 2 and "eve@example.com" in outbox
    r = client.post("/settings/mail/outbox/release", follow_redirects=True)
    assert "2 mail(s) queued" in r.get_data(as_text=True)


def test_info_lines_of_flowdesk_loggers_reach_the_console_after_migrating(app):
    """The migration's logging set-up (alembic.ini: root at WARN) must not silence the app's INFO lines."""
    from flask_migrate import upgrade

    root = logging.getLogger()
    handler = logging.StreamHandler()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        upgrade()
        assert logging.getLogger("flowdesk.mail.outbox").isEnabledFor(logging.INFO)
        assert root.level == logging.INFO
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def test_a_claim_lost_with_its_sender_is_sent_again_by_the_sweep(api, smtp, send_outbox):
    from datetime import timedelta

    from mail.outbox import stalled_mail
    from org.models import utcnow

    api.post("/invitations", {"emails": ["lost@example.com"]})
    row = db.session.scalar(select(SystemMail))
    assert row.state == OutboxState.SENT
    row.state, row.claimed_at = OutboxState.SENDING, utcnow() - timedelta(minutes=11)
    db.session.commit()
    assert stalled_mail(utcnow() + timedelta(minutes=1)) == [row.id]
    assert send_outbox() == ["sent"] and len(mails_to(smtp, "lost@example.com")) == 2
