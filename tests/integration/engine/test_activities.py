"""Service-task activities through the real CRM services: results, idempotency, errors."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

import engine.models  # noqa: F401  (tables known to the wipe)
from crm.events import OutboxEvent
from crm.models import Company, Contact, CrmTask, Deal, Lead, TaskLink, TimelineEntry
from crm.services.records import create_record, get_record
from engine.activities import ActivityError, dispatch, make_context, topic_docs, topic_specs, topics
from engine.models import ActivityRun
from extensions import db
from tests.support.engine_rows import make_instance


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def lead(admin, owner):
    return create_record("lead", {"title": "Relaunch", "company_name": "Acme", "last_name": "Lee",
                                  "emails": ["ann@acme.test"], "responsible_id": owner.id}, actor=admin)


@pytest.fixture
def run(lead, admin):
    """dispatch(topic, params) as a service task of an instance about `lead` (task uuid `uuid`)."""
    instance = make_instance("lead", lead.id, on_behalf_of_id=admin.id, depth=0)

    def call(topic, params, uuid="task-1", inst=None):
        return dispatch(topic, params, make_context(inst or instance, uuid, "Activity_1"))

    call.instance = instance
    return call


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_create_lead_merges_fields_and_acts_as_the_process(run, admin, owner):
    result = run("crm.create_lead", {"title": "From process", "fields": {"source": "web", "title": "x"},
                                     "amount": "12.5"})
    db.session.commit()
    created = db.session.get(Lead, result["lead_id"])
    assert (created.title, created.source, float(created.amount)) == ("From process", "web", 12.5)
    assert created.responsible_id == owner.id  # the process record's responsible
    event = db.session.scalar(select(OutboxEvent).where(
        OutboxEvent.type == "lead.created", OutboxEvent.entity_id == created.id))
    assert event.origin_instance_id == run.instance.id and event.depth == 1
    entry = db.session.scalar(select(TimelineEntry).where(
        TimelineEntry.entity == "lead", TimelineEntry.record_id == created.id))
    assert entry.data["process_instance_id"] == run.instance.id
    assert entry.data["on_behalf_of_id"] == admin.id


@pytest.mark.parametrize("topic, params, model", [
    ("crm.create_contact", {"last_name": "Lee", "first_name": "Ann", "emails": "a@b.test, c@d.test"},
     Contact),
    ("crm.create_company", {"title": "Acme", "fields": {"industry": "IT"}}, Company),
    ("crm.create_deal", {"title": "Big", "amount": 5000, "stage": "NEW"}, Deal),
])
def test_create_other_records(run, topic, params, model):
    result = run(topic, params)
    entity = topic.removeprefix("crm.create_")
    record = db.session.get(model, result[f"{entity}_id"])
    assert record is not None and record.responsible_id is not None


def test_running_a_step_twice_acts_once(run):
    first = run("crm.create_lead", {"title": "Once"})
    db.session.commit()
    again = run("crm.create_lead", {"title": "Once"})
    assert again == first
    assert db.session.scalar(select(func.count(Lead.id)).where(Lead.title == "Once")) == 1
    assert count(ActivityRun) == 1
    assert run("crm.create_lead", {"title": "Once"}, uuid="task-2") != first  # another task acts


def test_nothing_is_committed_by_a_handler(run):
    run("crm.create_deal", {"title": "Rolled back"})
    db.session.rollback()  # the runtime's step failed after the activity ran
    assert count(Deal) == 0 and count(ActivityRun) == 0
    run("crm.create_deal", {"title": "Rolled back"})  # the retried step creates it once
    db.session.commit()
    assert count(Deal) == 1


def test_update_record_sets_fields_and_moves_status(run, lead):
    result = run("crm.update_record", {"fields": {"source": "fair", "title": "Relaunch"}, "status": "JUNK"})
    assert result == {"changed_fields": ["source", "status"]}
    db.session.commit()
    assert (lead.source, lead.status) == ("fair", "JUNK")


def test_update_record_of_another_record(run, admin):
    deal = create_record("deal", {"title": "D"}, actor=admin)
    run("crm.update_record", {"entity": "deal", "id": str(deal.id), "fields": {"stage": "WON"}})
    assert get_record("deal", deal.id, actor=admin).closed is True


@pytest.mark.parametrize("params, message", [
    ({"fields": {"stage": "NOPE"}, "entity": "deal", "id": "{deal}"},
     "crm.update_record: field 'stage': Must be one of"),
    ({"status": "NOPE"}, "crm.update_record: parameter 'status': Must be one of"),
    ({"entity": "ship", "fields": {"x": 1}}, "crm.update_record: parameter 'entity': Must be one of"),
    ({"fields": "not json"}, "crm.update_record: parameter 'fields': Expected an object"),
    ({}, "crm.update_record: parameter 'fields': Give the fields"),
    ({"fields": {"colour": "red"}}, "crm.update_record: field 'colour': Unknown field"),
    ({"entity": "lead", "id": 999999, "fields": {"title": "x"}}, "crm.update_record: No lead 999999"),
])
def test_update_record_errors_name_the_parameter(run, admin, params, message):
    deal = create_record("deal", {"title": "D"}, actor=admin)
    params = {k: (v.format(deal=deal.id) if isinstance(v, str) else v) for k, v in params.items()}
    with pytest.raises(ActivityError) as caught:
        run("crm.update_record", params)
    assert str(caught.value).startswith(message)
    assert count(ActivityRun) == 0


@pytest.mark.parametrize("topic, params, message", [
    ("crm.create_lead", {}, "crm.create_lead: parameter 'title': This parameter is required"),
    ("crm.create_lead", {"title": "T", "colour": "red"}, "crm.create_lead: parameter 'colour': Unknown"),
    ("crm.create_lead", {"title": "T", "amount": "lots"}, "crm.create_lead: parameter 'amount': Expected"),
    ("crm.create_lead", {"title": "T", "fields": {"amount": "lots"}}, "crm.create_lead: field 'amount'"),
    ("crm.create_deal", {"title": "T", "responsible_id": 99999},
     "crm.create_deal: parameter 'responsible_id'"),
    ("crm.create_task", {"title": "T", "responsible": "nobody@x.test"},
     "crm.create_task: parameter 'responsible'"),
    ("crm.create_task", {"title": "T", "deadline": "soon"}, "crm.create_task: parameter 'deadline'"),
    ("crm.create_task", {"title": "T", "record_id": "abc"}, "crm.create_task: parameter 'record_id'"),
    ("crm.add_comment", {"text": " "}, "crm.add_comment: parameter 'text': This parameter is required"),
    ("crm.convert_lead", {"contact": "maybe"},
     "crm.convert_lead: parameter 'contact': Expected true or false"),
    ("mail.send", {}, "mail.send: parameter 'template': This parameter is required"),
    ("crm.nothing", {}, "Unknown activity topic 'crm.nothing'"),
])
def test_errors_name_the_parameter(run, topic, params, message):
    with pytest.raises(ActivityError) as caught:
        run(topic, params)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_failing_handler_leaves_nothing_behind(run):
    with pytest.raises(ActivityError):
        run("crm.convert_lead", {"contact": False, "company": False, "deal": False})
    db.session.commit()  # the runtime commits the error state in the same transaction
    assert count(Contact) == count(Deal) == count(ActivityRun) == 0


def test_convert_lead(run, lead, owner):
    result = run("crm.convert_lead", {})
    conv = result["conversion"]
    assert conv["contact_id"] and conv["deal_id"] and conv["company_id"]  # the lead names a company
    db.session.commit()
    assert lead.status == "CONVERTED"
    assert db.session.get(Deal, conv["deal_id"]).responsible_id == owner.id
    assert run("crm.convert_lead", {}) == result  # retried: the stored result
    converted_twice = "crm.convert_lead: parameter 'lead_id': Lead .* already converted"
    with pytest.raises(ActivityError, match=converted_twice):
        run("crm.convert_lead", {}, uuid="task-9")


def test_convert_lead_choices(run, lead):
    conv = run("crm.convert_lead", {"lead_id": lead.id, "contact": "false", "company": False})["conversion"]
    assert conv["contact_id"] is None and conv["company_id"] is None and conv["deal_id"]


def test_create_task_about_the_process_record(run, lead, owner):
    result = run("crm.create_task", {"title": "Process lead: Relaunch", "deadline": "P1Y",
                                     "description": "Call them"})
    db.session.commit()
    task = db.session.get(CrmTask, result["task_id"])
    assert task.responsible_id == owner.id and task.description == "Call them"
    assert abs(task.deadline - (datetime.utcnow() + timedelta(days=365))) < timedelta(days=2)
    link = db.session.scalar(select(TaskLink).where(TaskLink.task_id == task.id))
    assert (link.entity, link.record_id) == ("lead", lead.id)
    assert run("crm.create_task", {"title": "again"}) == result
    assert count(CrmTask) == 1


def test_create_task_for_someone_about_another_record(run, admin, make_user):
    other = make_user("other@example.com")
    deal = create_record("deal", {"title": "D"}, actor=admin)
    result = run("crm.create_task", {"title": "T", "responsible": "other@example.com", "entity": "deal",
                                     "record_id": deal.id, "deadline": "2030-01-31"})
    task = db.session.get(CrmTask, result["task_id"])
    assert task.responsible_id == other.id and task.deadline == datetime(2030, 1, 31)
    link = db.session.scalar(select(TaskLink).where(TaskLink.task_id == task.id))
    assert (link.entity, link.record_id) == ("deal", deal.id)


def test_add_comment(run, lead):
    result = run("crm.add_comment", {"text": "Qualified by the process"})
    entry = db.session.get(TimelineEntry, result["comment_id"])
    assert (entry.entity, entry.record_id, entry.kind, entry.body) == (
        "lead", lead.id, "comment", "Qualified by the process")
    assert run("crm.add_comment", {"text": "Qualified by the process"}) == result
    assert db.session.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "comment")) == 1


def _template(name: str) -> None:
    from mail.models import MailTemplate

    db.session.add(MailTemplate(name=name, subject="Hi {{ contact.first_name }}", body="Hello"))
    db.session.commit()


def test_mail_send_queues_the_template_once(run, lead):
    from mail.models import Job, JobItem

    _template("Welcome")
    result = run("mail.send", {"template": "Welcome"})
    assert result["mail"]["status"] == "queued" and result["mail"]["to"] == ["ann@acme.test"]
    job = db.session.get(Job, result["mail"]["job_id"])
    assert job.kind == "mail.process" and job.params["instance_id"] == run.instance.id
    item = db.session.scalar(select(JobItem).where(JobItem.job_id == job.id))
    assert (item.entity, item.record_id, item.status) == ("lead", lead.id, "pending")
    assert run("mail.send", {"template": "Welcome"}) == result  # a retried step queues nothing new
    assert count(Job) == 1
    with pytest.raises(ActivityError, match="parameter 'template': No mail template named 'Nope'"):
        run("mail.send", {"template": "Nope"}, uuid="task-9")


def test_mail_about_a_deal_goes_to_its_contact(run, admin):
    _template("Offer")
    contact = create_record("contact", {"last_name": "Lee", "emails": ["lee@acme.test"]}, actor=admin)
    deal = create_record("deal", {"title": "D", "contact_id": contact.id}, actor=admin)
    result = run("mail.send", {"template": "Offer", "entity": "deal", "id": deal.id})
    assert result["mail"]["to"] == ["lee@acme.test"]
    bare = create_record("deal", {"title": "No contact"}, actor=admin)
    result = run("mail.send", {"template": "Offer", "entity": "deal", "id": bare.id}, uuid="task-2")
    assert result["mail"]["to"] == []  # the job skips it as "no address" when it runs


def test_process_without_record_needs_explicit_references(run, admin):
    bare = make_instance(None, None, key="bare", on_behalf_of_id=admin.id)
    needs_entity = "crm.add_comment: parameter 'entity': This parameter is required"
    with pytest.raises(ActivityError, match=needs_entity):
        run("crm.add_comment", {"text": "x"}, inst=bare)
    result = run("crm.create_lead", {"title": "No record"}, inst=bare)
    assert db.session.get(Lead, result["lead_id"]).responsible_id == admin.id  # the initiator


def test_every_topic_is_documented():
    docs = {d["topic"]: d for d in topic_docs()}
    assert set(docs) == set(topics()) == {
        "crm.create_lead", "crm.create_contact", "crm.create_company", "crm.create_deal",
        "crm.update_record", "crm.convert_lead", "crm.create_task", "crm.add_comment", "mail.send",
        "calendar.create_event", "drive.create_folder", "drive.save_file", "http.request"}
    for doc in docs.values():
        assert doc["description"] and doc["result"]["variable"]
        assert all(p["description"] for p in doc["parameters"])
    title = next(p for p in docs["crm.create_lead"]["parameters"] if p["name"] == "title")
    assert title["required"] is True
    assert docs["crm.create_task"]["result"]["variable"] == "task_id"


def test_topic_specs_drive_upload_validation():
    from engine.spiff.topics import TopicSpec

    specs = topic_specs()
    assert all(isinstance(s, TopicSpec) for s in specs.values())
    assert specs["crm.create_lead"].required == {"title"}
    assert specs["crm.create_lead"].result == "lead_id" and "fields" in specs["crm.create_lead"].params
    assert specs["crm.update_record"].required == set()  # entity and id default to the process's record
    assert specs["mail.send"].required == {"template"}


def test_activity_reference_page(client, admin):
    r = client.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"})
    assert r.status_code == 302
    page = client.get("/processes/activities").get_data(as_text=True)
    for doc in topic_docs():
        assert f'id="{doc["topic"]}"' in page
    assert "Result variable <code>lead_id</code>" in page


ERROR_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_bad_stage"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bad_stage" name="Bad stage" isExecutable="true">
    <bpmn:startEvent id="DealCreated"><bpmn:outgoing>F1</bpmn:outgoing>
      <bpmn:messageEventDefinition id="MED_1" messageRef="Msg_deal_created"/></bpmn:startEvent>
    <bpmn:serviceTask id="SetStage" name="Set stage" camunda:type="external"
        camunda:topic="crm.update_record">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="fields">${{"stage": "NOPE"}}</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="Done"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="DealCreated" targetRef="SetStage"/>
    <bpmn:sequenceFlow id="F2" sourceRef="SetStage" targetRef="Done"/>
  </bpmn:process>
  <bpmn:message id="Msg_deal_created" name="deal.created"/>
</bpmn:definitions>
"""


def test_a_failing_activity_errors_the_instance_naming_the_parameter(api, admin):
    from engine.deploy import deploy_process
    from engine.models import ProcessInstance
    from engine.runtime import run_pending

    deploy_process(ERROR_BPMN.encode(), actor=admin)
    deal = api.post("/deals", {"title": "Stuck"}).json
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    assert (instance.status, instance.error_element) == ("error", "SetStage")
    assert "crm.update_record: field 'stage': Must be one of" in instance.error_message
    assert api.get(f"/deals/{deal['id']}").json["stage"] == "NEW" and count(ActivityRun) == 0
