"""Send&Save: each rule that files a received message on records, through a real Dovecot."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.events import OutboxEvent
from crm.models import Lead, TimelineEntry
from extensions import db
from mail.models import MailLink, MailMessage
from tests.integration.mail.conftest import CRM_ADDRESS, make, message, poll


def entries(entity: str, record_id: int) -> list[TimelineEntry]:
    return list(db.session.scalars(select(TimelineEntry).where(
        TimelineEntry.entity == entity, TimelineEntry.record_id == record_id, TimelineEntry.kind == "mail")
        .order_by(TimelineEntry.id)))


def received_events(entity: str, record_id: int) -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).where(
        OutboxEvent.type == "email.received", OutboxEvent.entity == entity,
        OutboxEvent.entity_id == record_id)))


def test_subject_expression_files_mail_on_a_deal_and_a_lead(api, admin, crm_box):
    deal = make("deal", admin, title="Rollout")
    lead = make("lead", admin, title="Relaunch")
    crm_box.append(message(subject=f"Re: offer DID#{deal.id} and LID#{lead.id} (also DID#99999)",
                           sender="someone@nowhere.test", body="Numbers inside"))
    assert poll()["new"] == 1
    (entry,) = entries("deal", deal.id)
    assert entry.summary == f"Mail received: Re: offer DID#{deal.id} and LID#{lead.id} (also DID#99999)"
    assert entry.body.strip() == "Numbers inside"
    assert entry.data["from"] == "someone@nowhere.test" and entry.data["rule"] == "subject"
    assert entry.data["to"] == [CRM_ADDRESS] and entry.data["date"]
    assert len(entries("lead", lead.id)) == 1
    assert len(received_events("deal", deal.id)) == 1 and len(received_events("lead", lead.id)) == 1


def test_subject_expressions_are_editable(api, admin, crm_box):
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    r = api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS,
                                                          subject_patterns={"contact": "[C-<n>]"}))
    assert r.json["subject_patterns"] == {"lead": "LID#<n>", "contact": "[C-<n>]", "company": "COID#<n>",
                                          "deal": "DID#<n>"}
    crm_box.append(message(subject=f"About [C-{contact.id}] and CID#{contact.id}", sender="x@y.test"))
    poll()
    assert [e.data["rule"] for e in entries("contact", contact.id)] == ["subject"]
    bad = api.put("/settings/crm-mailbox", crm_box.settings(subject_patterns={"deal": "DEAL"}))
    assert bad.status_code == 422 and "subject_patterns.deal" in bad.json["fields"]


def test_portal_user_copy_goes_to_every_recipient_record(api, admin, make_user, crm_box):
    make_user("sales@flowdesk.test")
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    company = make("company", admin, title="Acme", emails=["info@acme.test"])
    lead = make("lead", admin, title="Other", emails=["other@else.test"])
    crm_box.append(message(sender="Sales <Sales@flowdesk.test>", to="lee@acme.test",
                           cc="info@acme.test, stranger@else.test", subject="Our offer"))
    poll()
    assert [e.data["rule"] for e in entries("contact", contact.id)] == ["portal_user"]
    assert len(entries("company", company.id)) == 1
    assert entries("lead", lead.id) == []


def test_first_line_addresses_of_mail_sent_to_the_crm_mailbox(api, admin, make_user, crm_box):
    make_user("sales@flowdesk.test")
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    lead = make("lead", admin, title="L", emails=["buyer@acme.test"])
    crm_box.append(message(sender="sales@flowdesk.test", to=CRM_ADDRESS, subject="Fwd: call notes",
                           body="\n  lee@acme.test, <buyer@acme.test>\n\nNotes of the call..."))
    poll()
    assert [e.data["rule"] for e in entries("contact", contact.id)] == ["first_line"]
    assert [e.data["rule"] for e in entries("lead", lead.id)] == ["first_line"]


def test_outsider_mail_goes_to_records_with_the_senders_address(api, admin, crm_box):
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    company = make("company", admin, title="Acme", emails=["LEE@acme.test"])
    crm_box.append(message(sender="Lee <lee@ACME.test>", subject="Question",
                           body="Dear team,\nwhat about ann@other.test?"))
    poll()
    assert [e.data["rule"] for e in entries("contact", contact.id)] == ["sender"]
    assert len(entries("company", company.id)) == 1
    row = db.session.scalar(select(MailMessage))
    assert row.status == "logged" and {(link.entity, link.record_id) for link in db.session.scalars(
        select(MailLink))} == {("contact", contact.id), ("company", company.id)}


def test_unmatched_mail_is_kept_and_can_be_attached(api, admin, crm_box):
    crm_box.append(message(sender="nobody@nowhere.test", subject="Who am I"))
    poll()
    listed = api.get("/mail/unassigned").json["items"]
    assert [m["subject"] for m in listed] == ["Who am I"]
    lead = make("lead", admin, title="Target")
    r = api.post(f"/mail/messages/{listed[0]['id']}/attach", {"entity": "lead", "id": lead.id})
    assert r.status_code == 200 and r.json["status"] == "logged"
    assert r.json["records"] == [{"entity": "lead", "id": lead.id, "rule": "manual"}]
    (entry,) = entries("lead", lead.id)
    assert entry.actor_id == admin.id and entry.data["mail_id"] == listed[0]["id"]
    assert api.get("/mail/unassigned").json["items"] == []
    again = api.post(f"/mail/messages/{listed[0]['id']}/attach", {"entity": "lead", "id": lead.id})
    assert again.status_code == 422 and "id" in again.json["fields"]
    missing = api.post(f"/mail/messages/{listed[0]['id']}/attach", {"entity": "deal", "id": 424242})
    assert missing.status_code == 404


def test_unmatched_mail_can_create_a_lead_through_the_crm(api, admin, crm_box):
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, unmatched="create_lead"))
    crm_box.append(message(sender="Jane Doe <jane@newco.test>", subject="Need a quote"))
    poll()
    lead = db.session.scalar(select(Lead))
    assert (lead.title, lead.first_name, lead.last_name) == ("Need a quote", "Jane", "Doe")
    assert lead.source == "E-mail"
    created = db.session.scalar(select(OutboxEvent).where(OutboxEvent.type == "lead.created"))
    assert created.entity_id == lead.id  # processes trigger on it like on any new lead
    assert [e.data["rule"] for e in entries("lead", lead.id)] == ["new_lead"]
    assert len(received_events("lead", lead.id)) == 1
    kept = select(func.count(MailMessage.id)).where(MailMessage.status == "unassigned")
    assert db.session.scalar(kept) == 0
