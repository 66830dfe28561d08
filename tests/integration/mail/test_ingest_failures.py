"""Failed mail (too large, too many parts, unparseable) with retry; a server that is down; attachments."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.models import TimelineEntry
from extensions import db
from mail.models import Mailbox, MailMessage
from mail.services.poll import due_mailboxes, poll_mailbox
from org.models import utcnow
from tests.integration.mail.conftest import CRM_ADDRESS, make, message, poll
from tests.support.services import free_port


def mail_entries() -> int:
    return db.session.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "mail"))


def nested(depth: int) -> bytes:
    """A message whose parts nest `depth` multiparts deep."""
    head = (b"From: lee@acme.test\r\nTo: crm@flowdesk.test\r\nSubject: Deep\r\n"
            b"Message-ID: <deep@acme.test>\r\n")
    body = b"Content-Type: text/plain\r\n\r\ninnermost"
    for level in reversed(range(depth)):
        b = f"b{level}".encode()
        body = (b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n" + body
                + b"\r\n--" + b + b"--")
    return head + body + b"\r\n"


def test_oversized_mail_is_kept_as_failed_unfetched_then_retried(monkeypatch, api, app, admin, crm_box):
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 50_000)
    big = message(sender="lee@acme.test", subject="Huge scan",
                  attachments=[("scan.pdf", b"%PDF" + b"x" * 80_000, "application/pdf")])
    uid = crm_box.append(big)
    assert poll() == {"new": 0, "seen": 0, "failed": 1, "state": "ok"}
    (failed,) = api.get("/mail/failed").json["items"]
    assert failed["subject"] == "Huge scan" and failed["from"] == "lee@acme.test"  # headers only
    assert "over the limit of 50,000 (MAIL_MAX_BYTES)" in failed["reason"] and failed["uid"] == uid
    assert db.session.get(MailMessage, failed["id"]).raw is None  # never fetched whole
    assert b"\\Seen" in crm_box.flags(uid) and mail_entries() == 0
    again = api.post(f"/mail/failed/{failed['id']}/retry")
    assert again.status_code == 200 and again.json["status"] == "failed" and again.json["attempts"] == 2
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 5_000_000)
    done = api.post(f"/mail/failed/{failed['id']}/retry").json
    assert done["status"] == "logged" and done["records"] == [{"entity": "contact", "id": contact.id,
                                                               "rule": "sender"}]
    assert [a["filename"] for a in done["attachments"]] == ["scan.pdf"]
    assert api.get("/mail/failed").json["items"] == [] and mail_entries() == 1
    assert poll()["new"] == 0  # nothing comes back


def test_too_many_parts_and_too_deep_nesting_are_failed_mail(monkeypatch, api, app, admin, crm_box):
    make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    monkeypatch.setitem(app.config, "MAIL_MAX_PARTS", 20)
    crm_box.append(message(sender="lee@acme.test", subject="Many files",
                           attachments=[(f"f{i}.txt", b"x", "text/plain") for i in range(30)]))
    poll()
    (failed,) = api.get("/mail/failed").json["items"]
    assert "MIME parts, over the limit of 20 (MAIL_MAX_PARTS)" in failed["reason"]
    monkeypatch.setitem(app.config, "MAIL_MAX_PARTS", 100_000)
    crm_box.append(nested(3000))
    poll()
    deep = next(m for m in api.get("/mail/failed").json["items"] if m["subject"] == "Deep")
    assert "nested too deeply" in deep["reason"]
    retried = api.post(f"/mail/failed/{failed['id']}/retry").json  # limit raised: it parses now
    assert retried["status"] == "logged" and len(retried["attachments"]) == 30
    still = api.post(f"/mail/failed/{deep['id']}/retry").json
    assert still["status"] == "failed" and "nested too deeply" in still["reason"]


def test_failed_mail_is_for_administrators(api, api_for, make_user, crm_box):
    crm_box.append(nested(3000))
    poll()
    user_api = api_for(make_user())
    assert user_api.get("/mail/failed").status_code == 403
    failed_id = api.get("/mail/failed").json["items"][0]["id"]
    assert user_api.post(f"/mail/failed/{failed_id}/retry").status_code == 403
    assert user_api.get(f"/mail/messages/{failed_id}").status_code == 404


def test_a_server_that_is_down_is_retried_with_backoff(api, crm_box):
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, port=free_port()))
    box = db.session.scalar(select(Mailbox).where(Mailbox.key == "crm"))
    start = utcnow()
    result = poll_mailbox(box.id, now=start)
    assert result["state"] == "error" and "Cannot connect" in result["error"]
    state = api.get("/settings/crm-mailbox").json
    assert state["state"] == "error" and state["failures"] == 1 and "Cannot connect" in state["last_error"]
    db.session.refresh(box)
    assert box.next_attempt_at == start + timedelta(seconds=30)
    assert due_mailboxes(start + timedelta(seconds=10)) == []  # beat leaves it alone meanwhile
    assert poll_mailbox(box.id, now=start + timedelta(seconds=10))["skipped"] == "backoff"
    later = start + timedelta(seconds=31)
    assert due_mailboxes(later) == [box.id]
    poll_mailbox(box.id, now=later)
    db.session.refresh(box)
    assert box.failures == 2 and box.next_attempt_at == later + timedelta(seconds=60)  # doubled
    api.put("/settings/crm-mailbox", {**crm_box.settings(address=CRM_ADDRESS), "password": "wrong"})
    assert "refused" in poll()["error"]
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS))  # fixed: state reset
    crm_box.append(message(subject="Back"))
    assert poll()["state"] == "ok"
    state = api.get("/settings/crm-mailbox").json
    assert (state["state"], state["failures"], state["last_error"], state["next_attempt_at"]) == ("ok", 0, "",
                                                                                                   None)


def test_attachments_are_stored_and_downloadable_with_access_checks(api, api_for, make_user, admin, crm_box):
    owner, other = make_user("owner@flowdesk.test"), make_user("other@flowdesk.test")
    make("contact", admin, last_name="Lee", emails=["lee@acme.test"], responsible_id=owner.id)
    pdf = b"%PDF-1.4 report " + bytes(range(256))
    crm_box.append(message(sender="lee@acme.test", subject="Report", body="See attached",
                           html='<p>See <b>attached</b><img src="https://tracker.test/p.gif"></p>',
                           attachments=[("report.pdf", pdf, "application/pdf")]))
    poll()
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.kind == "mail"))
    (listed,) = entry.data["attachments"]
    assert listed["filename"] == "report.pdf" and listed["size"] == len(pdf)
    path = f"/mail/attachments/{listed['id']}"
    r = api_for(owner).get(path)
    assert r.status_code == 200 and r.data == pdf
    assert 'filename=report.pdf' in r.headers["Content-Disposition"]
    assert api.get(path).data == pdf
    assert api_for(other).get(path).status_code == 404  # may not read the contact
    assert api_for(other).get(f"/mail/messages/{entry.data['mail_id']}").status_code == 404
    full = api_for(owner).get(f"/mail/messages/{entry.data['mail_id']}").json
    assert full["has_html"] and full["text"].strip() == "See attached"
    stored = db.session.get(MailMessage, entry.data["mail_id"])
    assert "<script" not in stored.body_html and "<b>attached</b>" in stored.body_html
    assert api.get("/mail/attachments/999999").status_code == 404
