"""Inbox and record-panel pages through the test client: task forms, groups, rights, starting by hand."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from engine.models import ProcessInstance
from engine.runtime import run_pending
from extensions import db
from tests.integration.engine.diagrams import chain, user_task
from tests.integration.process_pages_support import (
    Browser,
    as_user,
    deployed,
    new_lead,
    open_task,
    text,
    upload,
)


@pytest.fixture
def web(app, admin):
    """The administrator's logged-in test client."""
    return Browser(app, admin)


# --- the inbox -----------------------------------------------------------------------------------

def badge(html: str) -> str:
    return re.search(r'<span id="inbox-badge"[^>]*>(\d+)</span>', html).group(1)


def test_inbox_form_shows_errors_inline_then_opens_the_next_task(web, admin):
    deployed(web)
    lead_id = new_lead(admin, "Inbox lead")
    run_pending()
    task = open_task()
    listing = text(web.get("/inbox"))
    assert f'data-task="{task.id}"' in listing and "Review lead" in listing and "Inbox lead" in listing
    assert badge(listing) == "1"
    assert badge(text(web.get("/inbox/badge"))) == "1"  # what htmx refreshes the navigation with
    page = text(web.get(f"/inbox/{task.id}"))
    assert '<select class="form-select " id="tf-decision" name="decision"' in page
    assert re.search(r'type="number" step="1" id="tf-budget" name="budget" value=""\s+'
                     r'min="0" max="1000000"', page)
    assert 'type="date" id="tf-follow_up"' in page and 'type="checkbox" id="tf-urgent"' in page
    assert 'id="task-record"' in page and f'href="/leads/{lead_id}" id="task-record-link"' in page

    r = web.post(f"/inbox/{task.id}/complete", data={"decision": "", "budget": "-5", "note": "x" * 201})
    assert r.status_code == 422
    html = text(r)
    assert 'data-error-for="decision">This field is required<' in html
    assert 'data-error-for="budget">At least 0<' in html
    assert 'data-error-for="note">At most 200 characters<' in html
    assert 'name="budget" value="-5"' in html
    assert open_task().id == task.id

    r = web.post(f"/inbox/{task.id}/complete", data={
        "decision": "good", "budget": "5000", "follow_up": "2030-01-31", "urgent": ["false", "true"]})
    assert r.status_code == 302
    following = open_task()
    assert following.name == "Call the customer"
    assert r.headers["Location"] == f"/inbox/{following.id}"
    db.session.refresh(task)
    assert task.state == "completed"
    assert task.data == {"decision": "good", "budget": 5000, "follow_up": "2030-01-31", "urgent": True,
                         "note": None}

    r = web.post(f"/inbox/{following.id}/complete", data={"outcome": "ok"})
    assert r.status_code == 422 and 'data-error-for="outcome">At least 3 characters<' in text(r)
    r = web.post(f"/inbox/{following.id}/complete", data={"outcome": "Signed up"})
    assert r.status_code == 302 and r.headers["Location"] == "/inbox"
    instance = db.session.scalar(select(ProcessInstance))
    db.session.refresh(instance)
    assert instance.status == "completed"
    assert badge(text(web.get("/inbox"))) == "0"
    done = text(web.get("/inbox?tab=done"))
    assert "Review lead" in done and "Call the customer" in done


def test_group_tasks_are_claimed_from_the_groups_tab(web, app, admin, make_user):
    from org.services.departments import create_department

    sales = create_department("Sales", actor=None)
    seller = make_user(department_id=sales.id)
    xml = chain("group_work", user_task("Qualify", "Qualify", assignee=None,
                                        attrs='camunda:candidateGroups="Sales"'))
    upload(web, xml)
    new_lead(admin)
    run_pending()
    task = open_task()
    browser = as_user(app, seller)
    assert f'data-task="{task.id}"' not in text(browser.get("/inbox"))
    groups = text(browser.get("/inbox?tab=groups"))
    assert f'data-claim="{task.id}"' in groups and badge(groups) == "1"
    assert 'data-count="groups">1<' in groups
    page = text(browser.get(f"/inbox/{task.id}"))
    assert 'id="claim-task"' in page and 'id="complete-task"' in page
    r = browser.post(f"/inbox/{task.id}/claim")
    assert r.status_code == 302 and r.headers["Location"] == f"/inbox/{task.id}"
    mine = text(browser.get("/inbox"))
    assert f'data-task="{task.id}"' in mine and 'data-count="mine">1<' in mine
    assert 'id="release-task"' in text(browser.get(f"/inbox/{task.id}"))
    assert browser.post(f"/inbox/{task.id}/complete").status_code == 302
    db.session.refresh(task)
    assert task.state == "completed" and task.completed_by_id == seller.id


def test_the_record_is_hidden_beside_the_form_when_the_user_cannot_read_it(web, app, admin, make_user):
    from crm.services.records import get_record
    from errors import Forbidden, NotFound

    outsider = make_user("outsider@example.com")
    xml = chain("foreign", user_task("Look", "Look", assignee=None,
                                     attrs='camunda:candidateUsers="outsider@example.com"'))
    upload(web, xml)
    lead_id = new_lead(admin, "Secret lead")
    run_pending()
    task = open_task()
    with pytest.raises((Forbidden, NotFound)):
        get_record("lead", lead_id, actor=outsider)
    page = text(as_user(app, outsider).get(f"/inbox/{task.id}"))
    assert 'id="task-form"' in page and "Look" in page
    assert 'id="task-record"' not in page and "Secret lead" not in page
    assert 'id="task-record"' in text(web.get(f"/inbox/{task.id}"))


def test_someone_elses_task_cannot_be_opened_or_completed(web, app, admin, make_user):
    deployed(web)
    new_lead(admin)
    run_pending()
    task = open_task()
    other = as_user(app, make_user())
    assert other.get(f"/inbox/{task.id}").status_code == 403
    assert other.post(f"/inbox/{task.id}/complete", data={"decision": "good"}).status_code == 403
    assert open_task().id == task.id


# --- record pages ----------------------------------------------------------------------------

def test_record_page_starts_a_process_and_shows_its_current_step(web, admin):
    deployed(web)
    upload(web, chain("contact_only", user_task("Call", "Call"), message="contact.created"))
    upload(web, chain("by_hand", user_task("Look", "Look"), message=None, name="By hand"))
    web.post("/processes/lead_review/active", data={"active": "0"})
    lead_id = new_lead(admin, "Manual lead")
    run_pending()
    assert db.session.scalar(select(ProcessInstance.id)) is None
    web.post("/processes/lead_review/active", data={"active": "1"})
    page = text(web.get(f"/leads/{lead_id}"))
    assert 'id="processes"' in page and 'data-process="lead_review"' in page
    assert 'data-process="contact_only"' not in page and 'data-process="by_hand"' in page
    assert "No process has run on this lead" in page
    r = web.post(f"/leads/{lead_id}/processes/start", data={"key": "lead_review"})
    assert r.status_code == 302 and r.headers["Location"] == f"/leads/{lead_id}#processes"
    run_pending()
    instance = db.session.scalar(select(ProcessInstance))
    assert (instance.entity, instance.entity_id, instance.started_by_id) == ("lead", lead_id, admin.id)
    page = text(web.get(f"/leads/{lead_id}"))
    item = re.search(rf'data-instance="{instance.id}".*?data-status="\w+"', page, re.S).group(0)
    assert "Lead review" in item and "Review lead" in item and 'data-status="waiting"' in item
    r = web.post(f"/leads/{lead_id}/processes/start", data={"key": "contact_only"})
    assert r.status_code == 302
    assert "cannot be started by hand on a lead" in text(web.get(f"/leads/{lead_id}"))


def test_task_form_shows_typed_defaults_and_read_only_fields(web, admin):
    fields = ('<camunda:formField id="when" label="When" type="date" defaultValue="31/12/2024" />'
              '<camunda:formField id="ok" label="OK" type="boolean" defaultValue="true" />'
              '<camunda:formField id="code" label="Code" type="string" defaultValue="A-7">'
              '<camunda:validation><camunda:constraint name="readonly" /></camunda:validation>'
              '</camunda:formField>')
    upload(web, chain("defaults", user_task("Fill", "Fill", fields=fields)))
    new_lead(admin)
    run_pending()
    task = open_task()
    page = text(web.get(f"/inbox/{task.id}"))
    assert 'type="date" id="tf-when" name="when" value="2024-12-31"' in page
    assert re.search(r'id="tf-ok" name="ok" value="true"\s+checked', page)
    assert re.search(r'id="tf-code" name="code" value="A-7" disabled', page)
    r = web.post(f"/inbox/{task.id}/complete", data={"when": "2025-01-02", "ok": "false"})
    assert r.status_code == 302
    db.session.refresh(task)
    assert task.data == {"when": "2025-01-02", "ok": False, "code": "A-7"}
