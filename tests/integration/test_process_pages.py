"""Process pages through the test client: designer, uploads, triggers, instances."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from crm.models import TimelineEntry
from engine.models import ProcessInstance, ProcessVersion
from engine.runtime import run_pending
from extensions import db
from tests.integration.engine.diagrams import chain, service_task, user_task
from tests.integration.process_pages_support import (
    LEAD_REVIEW,
    Browser,
    as_user,
    deployed,
    new_lead,
    text,
    upload,
)


@pytest.fixture
def web(app, admin):
    """The administrator's logged-in test client."""
    return Browser(app, admin)


# --- the designer: list, upload, versions, download, templates -----------------------------

def test_upload_lists_the_process_with_version_trigger_and_counts(web):
    page = web.get("/processes")
    assert page.status_code == 200 and "No processes yet" in text(page)
    r = upload(web, LEAD_REVIEW)
    assert r.status_code == 302 and r.headers["Location"] == "/processes/lead_review"
    html = text(web.get("/processes/lead_review"))
    assert "Lead review" in html and "saved as version 1" in html
    assert 'data-bpmn-url="/processes/lead_review/versions/1/bpmn"' in html
    listing = text(web.get("/processes"))
    row = re.search(r'<tr data-key="lead_review">.*?</tr>', listing, re.S).group(0)
    assert "v1" in row and "lead.created" in row and 'data-count="running">0<' in row
    assert "Active" in row


def test_upload_of_an_invalid_diagram_lists_the_elements_at_fault(web):
    bad = chain("broken", service_task("Act", "crm.no_such_topic"))
    r = upload(web, bad)
    assert r.status_code == 422
    html = text(r)
    assert 'id="upload-problems"' in html and 'data-element="Act"' in html
    assert "no_such_topic" in html
    assert db.session.scalar(select(ProcessVersion.id)) is None
    assert upload(web, b"").status_code == 422


def test_modeler_save_answers_json_with_errors_per_element(web, app, make_user):
    ok = upload(web, LEAD_REVIEW, "/processes/deploy", Accept="application/json")
    assert ok.status_code == 201
    assert ok.json == {"key": "lead_review", "version": 1, "url": "/processes/lead_review"}
    changed = LEAD_REVIEW.replace(b'name="Call the customer"', b'name="Call them"')
    assert upload(web, changed, "/processes/deploy").json["version"] == 2
    bad = LEAD_REVIEW.replace(b'camunda:topic="crm.add_comment"', b'camunda:topic="crm.nope"')
    r = upload(web, bad, "/processes/deploy")
    assert r.status_code == 422
    assert {"element": "Activity_Note"} == {"element": r.json["errors"][0]["element"]}
    assert "crm.nope" in r.json["errors"][0]["message"]
    clerk = as_user(app, make_user())
    denied = upload(clerk, LEAD_REVIEW, "/processes/deploy")
    assert denied.status_code == 403 and denied.json["errors"][0]["element"] is None


def test_versions_open_in_the_designer_and_download_as_uploaded(web, app, make_user):
    deployed(web)
    upload(web, LEAD_REVIEW.replace(b"Review lead", b"Review the lead"))
    html = text(web.get("/processes/lead_review"))
    assert "Version 2" in html and "Version 1" in html
    r = web.get("/processes/lead_review/versions/1/bpmn")
    assert r.data == LEAD_REVIEW
    assert r.headers["Content-Disposition"] == 'attachment; filename="lead_review-v1.bpmn"'
    editor = text(web.get("/processes/lead_review/versions/1/edit"))
    assert 'data-xml-url="/processes/lead_review/versions/1/bpmn"' in editor
    assert 'data-save-url="/processes/deploy"' in editor and "modeler.js" in editor
    assert 'data-templates-url="/processes/element-templates.json"' in editor
    assert "viewer.js" not in editor
    new = text(web.get("/processes/new"))
    assert "data-xml-url" not in new and "New diagram" in new
    view = text(web.get("/processes/lead_review/versions/2"))
    assert "viewer.js" in view and "modeler.js" not in view
    clerk = as_user(app, make_user())
    assert clerk.get("/processes/new").status_code == 403
    assert clerk.get("/processes/lead_review/versions/1/edit").status_code == 403
    assert clerk.get("/processes/lead_review").status_code == 200
    assert web.get("/processes/lead_review/versions/9").status_code == 404


def test_element_templates_declare_every_parameter_of_every_activity(web):
    from engine.activities import topic_docs

    templates = {t["id"]: t for t in web.get("/processes/element-templates.json").json}
    docs = topic_docs()
    assert len(templates) == len(docs)
    for doc in docs:
        template = templates["flowdesk." + doc["topic"]]
        assert template["appliesTo"] == ["bpmn:ServiceTask"]
        bindings = [p["binding"] for p in template["properties"]]
        topic = next(p for p in template["properties"] if p["binding"].get("name") == "camunda:topic")
        assert topic["value"] == doc["topic"] and topic["editable"] is False
        assert {"type": "property", "name": "camunda:type"} in bindings
        inputs = {p["binding"]["name"]: p for p in template["properties"]
                  if p["binding"]["type"] == "camunda:inputParameter"}
        assert set(inputs) == {p["name"] for p in doc["parameters"]}
        for param in doc["parameters"]:
            assert inputs[param["name"]].get("constraints", {}).get("notEmpty", False) == param["required"]
        if doc["result"]:
            [out] = [p for p in template["properties"] if p["binding"]["type"] == "camunda:outputParameter"]
            assert out["value"] == doc["result"]["variable"]
            assert out["binding"]["source"] == "${" + doc["result"]["variable"] + "}"
    assert templates["flowdesk.crm.create_deal"]["name"] == "Create deal"
    assert templates["flowdesk.mail.send"]["name"] == "Send mail"


def test_a_task_written_as_its_template_would_deploys_and_runs(web, admin):
    """A service task as the "Add comment" template writes it: every parameter, the output."""
    body = ('<bpmn:extensionElements><camunda:inputOutput>'
            '<camunda:inputParameter name="entity" /><camunda:inputParameter name="id" />'
            '<camunda:inputParameter name="text">Hello ${record.title}</camunda:inputParameter>'
            '<camunda:outputParameter name="comment_id">${comment_id}</camunda:outputParameter>'
            '</camunda:inputOutput></bpmn:extensionElements>')
    step = ("serviceTask", "Comment", 'name="Comment" camunda:type="external" '
            'camunda:topic="crm.add_comment" camunda:modelerTemplate="flowdesk.crm.add_comment"', body)
    assert upload(web, chain("templated", step)).status_code == 302
    lead_id = new_lead(admin, "Templated")
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    assert instance.status == "completed", instance.error_message
    texts = db.session.scalars(select(TimelineEntry.body).where(TimelineEntry.record_id == lead_id))
    assert "Hello Templated" in list(texts)


def test_activate_and_deactivate(web):
    deployed(web)
    assert web.post("/processes/lead_review/active", data={"active": "0"}).status_code == 302
    assert "Inactive" in text(web.get("/processes/lead_review"))
    web.post("/processes/lead_review/active", data={"active": "1"})
    assert "Deactivate" in text(web.get("/processes/lead_review"))


# --- triggers ---------------------------------------------------------------------------------

def test_trigger_page_sets_fields_and_condition_with_inline_errors(web):
    xml = chain("on_update", user_task("Check", "Check"), message="lead.updated")
    upload(web, xml)
    page = text(web.get("/processes/on_update/triggers"))
    assert 'name="fields-0" value="status"' in page and 'name="condition-0"' in page
    r = web.post("/processes/on_update/triggers", data={"fields-0": ["status", "amount"],
                                                        "condition-0": "record.__class__"})
    assert r.status_code == 422
    assert re.search(r'data-error-for="condition-0">Invalid condition', text(r))
    assert 'value="status" checked' in text(r)
    r = web.post("/processes/on_update/triggers", data={"fields-0": ["status", "amount"],
                                                        "condition-0": "record.amount > 1000"})
    assert r.status_code == 302
    version = db.session.scalar(select(ProcessVersion))
    db.session.refresh(version)
    [trigger] = version.triggers
    assert trigger["fields"] == ["status", "amount"] and trigger["condition"] == "record.amount > 1000"
    listing = text(web.get("/processes"))
    assert "lead.updated: status, amount if record.amount &gt; 1000" in listing


# --- instances ---------------------------------------------------------------------------------

def test_instance_page_shows_states_log_variables_and_control(web, admin):
    deployed(web)
    new_lead(admin, "Big order")
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    html = text(web.get(f"/processes/instances/{instance.id}"))
    states = json.loads(re.search(r'id="instance-states">(.*?)</script>', html, re.S).group(1))
    assert states["task_states"]["StartEvent_Lead"] == "completed"
    assert states["task_states"]["Activity_Review"] in ("ready", "started")
    assert "Review lead" in re.search(r'id="current-steps">(.*?)<', html).group(1)
    assert 'data-kind="started"' in html and "Big order" in html
    assert 'id="instance-variables"' in html and "<code>record</code>" in html
    assert 'id="action-suspend"' in html and 'id="action-terminate"' in html
    assert 'id="action-retry"' not in html and 'id="action-resume"' not in html
    assert web.post(f"/processes/instances/{instance.id}/suspend").status_code == 302
    html = text(web.get(f"/processes/instances/{instance.id}"))
    assert 'data-status="suspended"' in html and 'id="action-resume"' in html
    web.post(f"/processes/instances/{instance.id}/resume")
    web.post(f"/processes/instances/{instance.id}/terminate")
    html = text(web.get(f"/processes/instances/{instance.id}"))
    assert 'data-status="terminated"' in html and 'id="action-' not in html
    r = web.post(f"/processes/instances/{instance.id}/resume")
    assert r.status_code == 409


def test_a_failed_instance_shows_its_element_and_can_be_retried(web, admin):
    step = service_task("Bad", "crm.update_record", status="NO_SUCH_STATUS")
    upload(web, chain("failing", step))
    new_lead(admin)
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    assert instance.status == "error"
    html = text(web.get(f"/processes/instances/{instance.id}"))
    assert 'id="instance-error"' in html and "<code>Bad</code>" in html
    states = json.loads(re.search(r'id="instance-states">(.*?)</script>', html, re.S).group(1))
    assert states["error_element"] == "Bad"
    assert 'id="action-retry"' in html
    assert web.post(f"/processes/instances/{instance.id}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "running"


def test_someone_else_cannot_control_an_instance(web, app, admin, make_user):
    deployed(web)
    new_lead(admin)
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    reader = as_user(app, make_user(admin=False))
    assert reader.get(f"/processes/instances/{instance.id}").status_code == 404
    assert reader.post(f"/processes/instances/{instance.id}/terminate").status_code == 404
    db.session.refresh(instance)
    assert instance.status == "waiting"
