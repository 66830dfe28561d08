"""Nothing lost or doubled: re-polls, copies, folders, UIDVALIDITY changes, crashes before the commit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from crm.models import TimelineEntry
from extensions import db
from mail.models import MailCursor, MailMessage, MailSeen
from mail.services import poll as poll_module
from tests.integration.mail.conftest import CRM_ADDRESS, make, message, poll


def mail_entries() -> int:
    return db.session.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "mail"))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def contact(admin):
    return make("contact", admin, last_name="Lee", emails=["lee@acme.test"])


def test_a_second_poll_reads_nothing_again_and_messages_are_flagged(crm_box, contact):
    uids = [crm_box.append(message(sender="lee@acme.test", subject=f"M{i}")) for i in range(3)]
    assert poll()["new"] == 3
    assert poll() == {"new": 0, "seen": 0, "failed": 0, "state": "ok"}
    assert mail_entries() == 3 and count(MailMessage) == 3
    cursor = db.session.scalar(select(MailCursor))
    assert cursor.last_uid == uids[-1]
    for uid in uids:
        assert {b"\\Seen", b"$Flowdesk"} <= set(crm_box.flags(uid))


def test_the_same_message_appended_twice_is_logged_once(crm_box, contact):
    msg = message(sender="lee@acme.test", subject="Twice")
    first, second = crm_box.append(msg), crm_box.append(msg)
    assert first != second
    poll()
    assert count(MailMessage) == 1 and mail_entries() == 1
    seen = db.session.scalars(select(MailSeen).order_by(MailSeen.uid)).all()
    assert [s.uid for s in seen] == [first, second] and len({s.mail_id for s in seen}) == 1


def test_a_copy_in_another_folder_or_with_other_transport_headers_is_logged_once(api, crm_box, contact):
    msg = message(sender="lee@acme.test", subject="Everywhere", message_id="<same@acme.test>")
    crm_box.append(msg)
    poll()
    relayed = b"Received: from relay.test by mx.test; Mon, 1 Jan 2024 00:00:00 +0000\r\n" + msg.as_bytes()
    crm_box.append(msg, folder="Archive")
    crm_box.append(relayed, folder="Archive")
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, folder="Archive"))
    assert poll()["new"] == 2  # two UIDs processed ...
    assert count(MailMessage) == 1 and mail_entries() == 1  # ... one message, logged once
    assert count(MailSeen) == 3


def test_uidvalidity_change_reads_the_folder_again_without_doubles(api, crm_box, contact):
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, folder="Sales"))
    old = [message(sender="lee@acme.test", subject=f"Old {i}") for i in range(2)]
    for msg in old:
        crm_box.append(msg, folder="Sales")
    poll()
    before = db.session.scalar(select(MailCursor)).uidvalidity
    client = crm_box.client()
    client.delete_folder("Sales")  # the server rebuilds the folder: new UIDVALIDITY, UIDs from 1
    client.create_folder("Sales")
    client.logout()
    for msg in [*old, message(sender="lee@acme.test", subject="New")]:
        crm_box.append(msg, folder="Sales")
    assert poll()["new"] == 3
    cursor = db.session.scalar(select(MailCursor))
    assert cursor.uidvalidity != before and cursor.last_uid == 3
    assert count(MailMessage) == 3 and mail_entries() == 3


def test_flags_are_set_only_after_the_commit_and_a_crash_before_it_loses_nothing(monkeypatch, crm_box,
                                                                                  contact):
    uid = crm_box.append(message(sender="lee@acme.test", subject="Crash"))
    real_batch = poll_module._batch

    def crash(*args, **kwargs):
        real_batch(*args, **kwargs)
        raise RuntimeError("worker killed before the commit")

    monkeypatch.setattr(poll_module, "_batch", crash)
    with pytest.raises(RuntimeError):
        poll()
    db.session.rollback()
    assert count(MailMessage) == 0 and mail_entries() == 0
    assert b"\\Seen" not in crm_box.flags(uid)  # nothing marked on the server

    committed_when_flagged = []
    real_mark = poll_module.mark_processed

    def mark(client, uids):
        with db.engine.connect() as other:  # another connection sees only committed rows
            committed_when_flagged.append(other.execute(text("SELECT COUNT(*) FROM mail_seen")).scalar())
        real_mark(client, uids)

    monkeypatch.setattr(poll_module, "_batch", real_batch)
    monkeypatch.setattr(poll_module, "mark_processed", mark)
    assert poll()["new"] == 1
    assert committed_when_flagged == [1]
    assert b"\\Seen" in crm_box.flags(uid) and mail_entries() == 1


def test_backfill_reports_progress_batch_by_batch(monkeypatch, api, app, crm_box, contact):
    monkeypatch.setitem(app.config, "MAIL_POLL_BATCH", 2)
    for i in range(5):
        crm_box.append(message(sender="lee@acme.test", subject=f"Old mail {i}"))
    progress = []
    real_mark = poll_module.mark_processed

    def mark(client, uids):
        with db.engine.connect() as other:
            progress.append(tuple(other.execute(text(
                "SELECT backfill_done, backfill_total FROM mailbox WHERE key = 'crm'")).one()))
        real_mark(client, uids)

    monkeypatch.setattr(poll_module, "mark_processed", mark)
    poll()
    assert progress == [(2, 5), (4, 5), (5, 5)]
    state = api.get("/settings/crm-mailbox").json
    assert state["backfill"] == {"total": 5, "done": 5} and state["state"] == "ok"


def test_a_copy_filed_by_another_worker_meanwhile_is_not_doubled(monkeypatch, crm_box, contact):
    from mail.services import ingest

    msg = message(sender="lee@acme.test", subject="Race")
    crm_box.append(msg)
    poll()
    crm_box.append(msg)
    real_existing, calls = ingest.existing, []

    def blind_once(parsed):
        calls.append(1)
        return None if len(calls) == 1 else real_existing(parsed)  # the insert then hits the unique key

    monkeypatch.setattr(ingest, "existing", blind_once)
    assert poll() == {"new": 1, "seen": 0, "failed": 0, "state": "ok"}
    assert len(calls) == 2  # the savepoint was rolled back and the message filed again
    assert count(MailMessage) == 1 and mail_entries() == 1 and count(MailSeen) == 2
