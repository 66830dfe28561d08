"""Sending to records through aiosmtpd: bulk jobs with progress, skips, failures, retry, rate limit,
idempotency, timeline entries and email.sent events, do not email, rights, the mail.send activity."""
from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import select

from crm.events import OutboxEvent
from crm.models import TimelineEntry
from extensions import db
from mail.models import JobItem
from mail.services.sending import INTERRUPTED, run_job
from mail.tasks import send_job
from org.models import utcnow
from tests.integration.mail.conftest import make


@pytest.fixture
def smtp_on(api, smtp):
    r = api.put("/settings/smtp", {"host": smtp.host, "port": smtp.port, "security": "none",
                                   "from_address": "crm@flowdesk.test", "from_name": "Acme Sales"})
    assert r.status_code == 200
    return smtp


@pytest.fixture
def template(api):
    body = "Hello {{ contact.first_name }},\n-- {{ user.full_name }}"
    return api.post("/mail/templates", {"name": "News", "subject": "News for {{ contact.first_name }}",
                                        "body": body}).json


def items(api, job_id: int) -> dict[int, dict]:
    return {i["record_id"]: i for i in api.get(f"/jobs/{job_id}/items").json["items"]}


def mail_entries(entity: str, record_id: int) -> list[TimelineEntry]:
    return list(db.session.scalars(select(TimelineEntry).where(
        TimelineEntry.entity == entity, TimelineEntry.record_id == record_id, TimelineEntry.kind == "mail")))


def test_bulk_send_with_progress_skips_failures_and_retry(api, admin, smtp_on, template):
    ann = make("contact", admin, first_name="Ann", last_name="A", emails=["ann@acme.test"])
    bob = make("contact", admin, first_name="Bob", last_name="B", emails=["bob@acme.test", "b2@acme.test"])
    bad = make("contact", admin, first_name="Bad", last_name="C", emails=["bad@acme.test"])
    bare = make("contact", admin, first_name="No", last_name="Address")
    optout = make("contact", admin, first_name="Opt", last_name="Out", emails=["opt@acme.test"])
    assert api.patch(f"/contacts/{optout.id}", {"do_not_email": True}).json["do_not_email"] is True
    smtp_on.handler.refuse.add("bad@acme.test")
    ids = [ann.id, bob.id, bad.id, bare.id, optout.id]
    r = api.post("/mail/send", {"template_id": template["id"], "entity": "contact", "ids": ids})
    assert r.status_code == 202 and r.json["status"] == "queued" and r.json["total"] == 5
    job_id = r.json["id"]
    assert api.get(f"/jobs/{job_id}").json["processed"] == 0
    send_job.apply((job_id,))  # what a worker runs after the commit
    job = api.get(f"/jobs/{job_id}").json
    counts = (job["status"], job["done"], job["failed"], job["skipped"], job["progress"])
    assert counts == ("done", 2, 1, 2, 1.0)
    found = items(api, job_id)
    assert (found[bare.id]["status"], found[bare.id]["reason"]) == ("skipped", "no address")
    assert (found[optout.id]["status"], found[optout.id]["reason"]) == ("skipped", "do not email")
    assert found[bad.id]["status"] == "failed" and found[bad.id]["reason"].startswith("550 5.1.1")
    assert "Recipient address rejected" in found[bad.id]["reason"]
    assert found[bob.id]["email"] == "bob@acme.test" and found[bob.id]["subject"] == "News for Bob"
    delivered = {m["rcpt_tos"][0]: message_from_bytes(m["data"]) for m in smtp_on.messages}
    assert set(delivered) == {"ann@acme.test", "bob@acme.test"}
    assert delivered["ann@acme.test"]["Subject"] == "News for Ann"
    assert delivered["ann@acme.test"]["Message-ID"] == found[ann.id]["message_id"]
    assert "Hello Ann,\r\n-- Ada Admin" in delivered["ann@acme.test"].get_payload()
    (entry,) = mail_entries("contact", ann.id)
    assert entry.summary == "Mail sent: News for Ann" and entry.body.startswith("Hello Ann,")
    assert entry.data["to"] == ["ann@acme.test"] and entry.actor_id == admin.id
    sent_events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "email.sent")).all()
    assert {(e.entity, e.entity_id) for e in sent_events} == {("contact", ann.id), ("contact", bob.id)}
    assert mail_entries("contact", bad.id) == [] and mail_entries("contact", optout.id) == []

    smtp_on.handler.refuse.clear()
    retried = api.post(f"/jobs/{job_id}/retry")
    assert retried.status_code == 202 and retried.json["status"] == "queued" and retried.json["failed"] == 0
    send_job.apply((job_id,))
    assert api.get(f"/jobs/{job_id}").json["done"] == 3
    assert [m["rcpt_tos"] for m in smtp_on.messages].count(["bad@acme.test"]) == 1
    again = message_from_bytes(smtp_on.messages[-1]["data"])
    assert again["Message-ID"] == found[bad.id]["message_id"]  # the same Message-ID on a retry
    send_job.apply((job_id,))  # a redelivered task: nothing is sent twice
    assert len(smtp_on.messages) == 3


def test_an_item_interrupted_while_sending_is_never_resent_on_its_own(api, admin, smtp_on, template):
    ann = make("contact", admin, first_name="Ann", last_name="A", emails=["ann@acme.test"])
    job_id = api.post("/mail/send", {"template_id": template["id"], "entity": "contact",
                                     "ids": [ann.id]}).json["id"]
    item = db.session.scalar(select(JobItem).where(JobItem.job_id == job_id))
    item.status, item.message_id = "sending", "<crashed@flowdesk.test>"  # marked, then the worker died
    db.session.commit()
    run_job(job_id)
    found = items(api, job_id)[ann.id]
    assert found["status"] == "failed" and found["reason"] == INTERRUPTED and smtp_on.messages == []
    api.post(f"/jobs/{job_id}/retry")
    run_job(job_id)
    (sent,) = smtp_on.messages
    assert message_from_bytes(sent["data"])["Message-ID"] == "<crashed@flowdesk.test>"


def test_the_rate_limit_paces_sending(api, app, admin, monkeypatch, smtp_on, template):
    monkeypatch.setitem(app.config, "MAIL_RATE_PER_MINUTE", 2)
    people = [make("contact", admin, first_name=f"P{i}", last_name="X", emails=[f"p{i}@acme.test"])
              for i in range(3)]
    job_id = api.post("/mail/send", {"template_id": template["id"], "entity": "contact",
                                     "ids": [p.id for p in people]}).json["id"]
    requeued = []
    monkeypatch.setattr(send_job, "apply_async", lambda args, countdown, retry: requeued.append(countdown))
    send_job.apply((job_id,))
    job = api.get(f"/jobs/{job_id}").json
    assert (job["status"], job["done"], len(smtp_on.messages)) == ("waiting", 2, 2)
    assert job["next_run_at"] and len(requeued) == 1 and 0 < requeued[0] <= 60
    assert run_job(job_id) > 0  # still within the minute: nothing more
    assert len(smtp_on.messages) == 2
    assert run_job(job_id, now=utcnow() + timedelta(seconds=61)) is None
    assert api.get(f"/jobs/{job_id}").json["done"] == 3 and len(smtp_on.messages) == 3


def test_bulk_mail_only_reaches_records_the_sender_may_read(api, api_for, make_user, admin, smtp_on,
                                                            template):
    sender = make_user("seller@flowdesk.test", first_name="Sam", last_name="Seller")
    mine = make("contact", admin, first_name="Mine", last_name="M", emails=["mine@acme.test"],
                responsible_id=sender.id)
    theirs = make("contact", admin, first_name="Theirs", last_name="T", emails=["theirs@acme.test"])
    sender_api = api_for(sender)
    job = sender_api.post("/mail/send", {"template_id": template["id"], "entity": "contact",
                                         "ids": [mine.id, theirs.id, 999999]}).json
    assert job["skipped"] == 2
    run_job(job["id"])
    found = items(sender_api, job["id"])
    assert found[theirs.id]["reason"] == "record not found" and found[999999]["reason"] == "record not found"
    assert [m["rcpt_tos"] for m in smtp_on.messages] == [["mine@acme.test"]]
    assert b"-- Sam Seller" in smtp_on.messages[0]["data"]
    assert api_for(make_user()).get(f"/jobs/{job['id']}").status_code == 404  # someone else's job
    assert api.get(f"/jobs/{job['id']}").status_code == 200  # administrators see every job


def test_send_requests_are_validated(api, template):
    assert api.post("/mail/send", {"template_id": 999, "entity": "contact", "ids": [1]}).json["fields"] == {
        "template_id": "No mail template 999"}
    bad = api.post("/mail/send", {"template_id": template["id"], "entity": "task", "ids": [], "x": 1})
    assert bad.status_code == 422 and set(bad.json["fields"]) == {"entity", "ids", "x"}
    assert api.post("/mail/send", {"template_id": template["id"], "entity": "lead",
                                   "ids": [1, "two"]}).json["fields"] == {"ids": "Not record ids: two"}
    assert api.patch("/contacts/1", {"do_not_email": "maybe"}).status_code in (404, 422)


def test_without_smtp_mail_is_held_then_sent_once_a_server_is_set(api, admin, template, smtp):
    from mail.outbox import release_held_now

    lead = make("lead", admin, title="L", first_name="Lu", emails=["lu@acme.test"])
    job_id = api.post("/mail/send", {"template_id": template["id"], "entity": "lead",
                                     "ids": [lead.id]}).json["id"]
    run_job(job_id)
    assert api.get(f"/jobs/{job_id}").json["status"] == "held"
    (item,) = items(api, job_id).values()
    assert item["status"] == "pending" and mail_entries("lead", lead.id) == []
    assert api.put("/settings/smtp", {"host": smtp.host, "port": smtp.port, "security": "none",
                                      "from_address": "crm@flowdesk.test"}).status_code == 200
    assert release_held_now() == 1  # what the release task runs once the settings are committed
    send_job.apply((job_id,))
    (item,) = items(api, job_id).values()
    assert item["status"] == "sent" and api.get(f"/jobs/{job_id}").json["status"] == "done"
    assert [m["rcpt_tos"] for m in smtp.messages] == [["lu@acme.test"]]
    (entry,) = mail_entries("lead", lead.id)
    assert entry.data["transport"] == "smtp" and entry.summary == "Mail sent: News for Lu"

def test_the_mail_send_activity_queues_a_real_mail(api, admin, smtp_on, template):
    from engine.activities import ActivityError, dispatch, make_context
    from tests.support.engine_rows import make_instance

    contact = make("contact", admin, first_name="Ann", last_name="Lee", emails=["ann@acme.test"])
    deal = make("deal", admin, title="Rollout", contact_id=contact.id)
    instance = make_instance("deal", deal.id, on_behalf_of_id=admin.id)
    ctx = make_context(instance, "task-1", "SendOffer")
    result = dispatch("mail.send", {"template": "News"}, ctx)["mail"]
    db.session.commit()
    assert result["to"] == ["ann@acme.test"] and result["status"] == "queued"
    assert dispatch("mail.send", {"template": "News"}, ctx)["mail"] == result  # a retried step: once
    run_job(result["job_id"])
    (sent,) = smtp_on.messages
    assert sent["rcpt_tos"] == ["ann@acme.test"] and b"-- Ada Admin" in sent["data"]  # on behalf of
    (entry,) = mail_entries("deal", deal.id)
    assert entry.data["process_instance_id"] == instance.id
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.type == "email.sent"))
    assert event.origin_instance_id == instance.id and event.entity == "deal"
    with pytest.raises(ActivityError, match="mail.send: parameter 'template': No mail template named 'Nope'"):
        dispatch("mail.send", {"template": "Nope"}, make_context(instance, "task-2", "SendOffer"))
