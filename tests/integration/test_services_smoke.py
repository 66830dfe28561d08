"""The real services later tests stand on answer as expected: IMAP, SMTP, CalDAV."""
from __future__ import annotations

import smtplib
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

pytestmark = pytest.mark.services


def test_dovecot_login_append_search(dovecot):
    from imapclient import IMAPClient

    user = f"u{uuid.uuid4().hex[:8]}"
    dovecot.add_user(user, "secret")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "ann@example.com", f"{user}@example.com", "Offer 42"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    msg.set_content("Hello")
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10) as imap:
        imap.login(user, "secret")
        imap.append("INBOX", msg.as_bytes())
        imap.select_folder("INBOX")
        uids = imap.search(["SUBJECT", "Offer 42"])
        assert len(uids) == 1
        fetched = imap.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "FLAGS"])[uids[0]]
        assert msg["Message-ID"].encode() in fetched[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]
        assert b"\\Seen" not in fetched[b"FLAGS"]


def test_dovecot_refuses_a_wrong_password(dovecot):
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    dovecot.add_user("bob", "right")
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10) as imap:
        with pytest.raises(LoginError):
            imap.login("bob", "wrong")


def test_smtp_message_reaches_the_handler(smtp_server):
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "crm@example.com", "Your offer"
    msg["To"] = ", ".join(f"r{i}@example.com" for i in range(3))
    msg.set_content("See attached.")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        smtp.send_message(msg)
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["mail_from"] == "crm@example.com"
    assert received["rcpt_tos"] == ["r0@example.com", "r1@example.com", "r2@example.com"]
    assert b"Subject: Your offer" in received["data"]


def test_radicale_calendar_and_event(radicale):
    import caldav
    from caldav.lib.error import AuthorizationError

    user = f"cal{uuid.uuid4().hex[:6]}"
    radicale.add_user(user, "pw")
    client = caldav.DAVClient(url=radicale.url, username=user, password="pw")
    calendar = client.principal().make_calendar(name="Sales")
    start = datetime(2030, 1, 7, 10, 0)
    calendar.save_event(dtstart=start, dtend=start + timedelta(hours=1), summary="Call ACME",
                        uid="flowdesk-test-1")
    found = calendar.search(start=start - timedelta(days=1), end=start + timedelta(days=1), event=True)
    assert [e.icalendar_component["summary"] for e in found] == ["Call ACME"]
    wrong = caldav.DAVClient(url=radicale.url, username=user, password="nope")
    with pytest.raises(AuthorizationError):
        wrong.principal()
