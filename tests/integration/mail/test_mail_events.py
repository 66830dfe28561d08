"""email.received starts processes (optionally for one record type) and wakes instances waiting for it."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import HumanTask, ProcessInstance
from engine.runtime import run_pending
from extensions import db
from tests.integration.engine.diagrams import chain, message_catch, upload, user_task
from tests.integration.mail.conftest import make, message, poll

CONTACTS_ONLY = ('<bpmn:extensionElements><camunda:properties><camunda:property name="entity" '
                 'value="contact" /></camunda:properties></bpmn:extensionElements>')


def instances(key: str) -> list[ProcessInstance]:
    return [i for i in db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id))
            if i.version.definition.key == key]


def test_a_received_mail_starts_a_process_on_the_record(api, admin, crm_box):
    r = upload(api, chain("answer_mail", user_task("Answer", "Answer the mail", assignee="${initiator}"),
                          message="email.received", start_props=CONTACTS_ONLY))
    assert r.status_code == 201, r.json
    trigger = r.json["triggers"][0]
    assert trigger["message"] == "email.received" and trigger["entity"] == "contact"
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    company = make("company", admin, title="Acme", emails=["lee@acme.test"])
    crm_box.append(message(sender="lee@acme.test", subject="Help"))
    poll()
    run_pending()
    (started,) = instances("answer_mail")
    assert (started.entity, started.entity_id) == ("contact", contact.id)  # not the company
    assert db.session.scalar(select(HumanTask).where(HumanTask.instance_id == started.id)).name == \
        "Answer the mail"
    assert company.id


def test_an_instance_waiting_for_mail_on_its_record_is_woken(api, admin, crm_box):
    r = upload(api, chain("wait_for_mail", message_catch("WaitMail", "email.received"),
                          user_task("Read", "Read the answer"), message="lead.created"))
    assert r.status_code == 201, r.json
    lead = make("lead", admin, title="Quote", emails=["buyer@acme.test"])
    other = make("lead", admin, title="Other")
    run_pending()
    waiting = {i.entity_id: i for i in instances("wait_for_mail")}
    assert waiting[lead.id].status == "waiting" and waiting[other.id].status == "waiting"
    crm_box.append(message(sender="someone@else.test", subject=f"Re: your quote LID#{lead.id}"))
    poll()
    run_pending()
    db.session.expire_all()
    assert db.session.scalar(select(HumanTask).where(HumanTask.instance_id == waiting[lead.id].id,
                                                     HumanTask.name == "Read the answer")) is not None
    assert db.session.scalar(select(HumanTask).where(HumanTask.instance_id == waiting[other.id].id)) is None
