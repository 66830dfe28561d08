"""Personal mailboxes through Dovecot: attach (login tried), cached unread count, read, log to records."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.models import TimelineEntry
from extensions import db
from mail import crypto
from mail.models import Mailbox, MailMessage
from mail.services.personal import refresh_unread
from tests.integration.mail.conftest import make, message, poll
from tests.support.services import free_port


def test_attach_checks_the_login_and_keeps_the_password_encrypted(api_for, make_user, imap_user):
    box = imap_user()
    me = api_for(make_user())
    assert me.get("/me/mailbox").json == {"attached": False}
    wrong = me.put("/me/mailbox", {**box.settings(), "password": "nope"})
    assert wrong.status_code == 422 and "refused" in wrong.json["fields"]["password"]
    down = me.put("/me/mailbox", box.settings(port=free_port()))
    assert down.status_code == 422 and "Cannot connect" in down.json["fields"]["host"]
    missing = me.put("/me/mailbox", {k: v for k, v in box.settings().items() if k != "password"})
    assert missing.json["fields"] == {"password": "This field is required"}
    box.append(message(subject="One"))
    box.append(message(subject="Two"))
    r = me.put("/me/mailbox", box.settings())
    assert r.status_code == 200 and r.json["attached"] and r.json["unread"] == 2 and r.json["state"] == "ok"
    row = db.session.scalar(select(Mailbox).where(Mailbox.kind == "personal"))
    assert "secret-pw" not in row.password_enc and crypto.decrypt(row.password_enc) == "secret-pw"
    nowhere = me.put("/me/mailbox", {**box.settings(), "password": None, "folder": "Nowhere"})
    assert nowhere.status_code == 422 and "Nowhere" in nowhere.json["fields"]["folder"]
    assert me.delete("/me/mailbox").status_code == 204
    assert me.get("/me/mailbox").json == {"attached": False}
    assert me.get("/me/mailbox/messages").status_code == 404


def test_unread_count_is_cached_and_refreshed_by_the_task(api_for, make_user, imap_user):
    box = imap_user()
    user = make_user()
    me = api_for(user)
    box.append(message(subject="First"))
    me.put("/me/mailbox", box.settings())
    box.append(message(subject="Second"))
    assert me.get("/me/mailbox").json["unread"] == 1  # the cached count, no IMAP round trip
    row = db.session.scalar(select(Mailbox).where(Mailbox.user_id == user.id))
    assert refresh_unread(row.id) == 2  # what the beat task runs per mailbox
    assert me.get("/me/mailbox").json["unread"] == 2
    listed = me.get("/me/mailbox/messages").json["items"]
    assert [m["subject"] for m in listed] == ["Second", "First"] and not any(m["seen"] for m in listed)
    read = me.get(f"/me/mailbox/messages/{listed[1]['uid']}").json
    assert read["subject"] == "First" and read["text"].strip() == "Hi there"
    assert me.get("/me/mailbox").json["unread"] == 1  # reading marks it read and refreshes the count
    assert [m["seen"] for m in me.get("/me/mailbox/messages").json["items"]] == [False, True]
    assert me.get("/me/mailbox/messages/9999").status_code == 404
    row.port = free_port()
    db.session.commit()
    assert me.get("/me/mailbox/messages").status_code == 503
    assert refresh_unread(row.id) == 1  # the old count stays, with the error
    state = me.get("/me/mailbox").json
    assert state["state"] == "error" and "Cannot connect" in state["last_error"]


def test_log_a_message_on_the_crm_records_it_was_exchanged_with(api, api_for, make_user, admin, imap_user,
                                                                 crm_box):
    box = imap_user()
    user = make_user("seller@flowdesk.test")
    other = make_user("other@flowdesk.test")
    me = api_for(user)
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"], responsible_id=user.id)
    hidden = make("contact", admin, last_name="Hidden", emails=["boss@acme.test"])  # not the user's
    msg = message(sender="lee@acme.test", to="seller@flowdesk.test", cc="boss@acme.test", subject="Offer?")
    uid = box.append(msg)
    box.append(message(sender="friend@home.test", to="seller@flowdesk.test", subject="Dinner"))
    me.put("/me/mailbox", box.settings())
    read = me.get(f"/me/mailbox/messages/{uid}").json
    assert read["records"] == [{"entity": "contact", "id": contact.id}]
    r = me.post(f"/me/mailbox/messages/{uid}/log")
    assert r.status_code == 201 and r.json["records"] == [{"entity": "contact", "id": contact.id}]
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "mail")).all()
    assert [(e.entity, e.record_id, e.actor_id) for e in entries] == [("contact", contact.id, user.id)]
    assert entries[0].data["rule"] == "personal" and entries[0].summary == "Mail received: Offer?"
    mail_id = r.json["mail_id"]
    assert me.get(f"/mail/messages/{mail_id}").json["records"] == [
        {"entity": "contact", "id": contact.id, "rule": "personal"}]
    assert api_for(other).get(f"/mail/messages/{mail_id}").status_code == 404
    assert me.post(f"/me/mailbox/messages/{uid}/log").json["mail_id"] == mail_id  # again: nothing new
    nothing = me.post(f"/me/mailbox/messages/{uid + 1}/log")
    assert nothing.status_code == 422 and "No lead, contact or company" in nothing.json["fields"]["uid"]
    crm_box.append(msg)  # the same mail also reached the CRM mailbox (a BCC)
    poll()
    assert db.session.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "mail")) == 1
    assert db.session.scalar(select(func.count(MailMessage.id))) == 1
    assert hidden.id  # boss@ is a record the user may not edit: never logged by them
