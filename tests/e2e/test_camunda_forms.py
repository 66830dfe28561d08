"""A Camunda Form in the inbox, in Chromium: the form-js viewer shows the task's form with the
process variables, refuses a missing required value in the browser, and its submit completes the
task with the values entered (checked again by the server)."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from engine.models import HumanTask
from extensions import db
from tests.e2e.test_processes import login
from tests.integration.engine.runtime_support import open_tasks
from tests.integration.engine.test_camunda_forms import diagram, modeler_deploy, start

pytestmark = pytest.mark.e2e

FORM = {"id": "review_form", "type": "default", "schemaVersion": 16, "components": [
    {"id": "F_creditor", "type": "textfield", "key": "creditor", "label": "Creditor",
     "validate": {"required": True, "minLength": 2}},
    {"id": "F_amount", "type": "number", "key": "amount", "label": "Amount", "validate": {"max": 10000}},
    {"id": "F_category", "type": "radio", "key": "category", "label": "Category", "values": [
        {"label": "Travel", "value": "travel"}, {"label": "Office", "value": "office"}]},
    {"id": "F_approved", "type": "checkbox", "key": "approved", "label": "Approved"}]}


def test_the_form_js_form_is_filled_and_completes_the_task(live_server, page: Page, api, client):
    bpmn = diagram("review", 'camunda:formRef="review_form"')
    answer = modeler_deploy(client, api.token, ("review.bpmn", bpmn),
                            ("review.form", json.dumps(FORM).encode()))
    assert answer.status_code == 200, answer.get_json()
    [task] = open_tasks(start(client, api.token, "review"))
    login(page, live_server, "admin@example.com")
    page.goto(f"{live_server}/inbox/{task.id}")
    expect(page.locator("#fd-form-js")).to_have_attribute("data-state", "ready")
    creditor = page.get_by_label("Creditor")
    expect(creditor).to_have_value("Acme")  # the process variable
    creditor.fill("")
    page.click("#complete-form")
    expect(page.locator(".fjs-form-field-error").first).to_be_visible()  # refused in the browser
    creditor.fill("Acme Ltd")
    page.get_by_label("Amount").fill("120")
    page.get_by_label("Office").check()
    page.get_by_label("Approved").check()
    page.click("#complete-form")
    expect(page).to_have_url(f"{live_server}/inbox")
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert row.state == "completed"
    assert row.data == {"creditor": "Acme Ltd", "amount": 120, "category": "office", "approved": True}


def test_a_new_form_is_saved_in_the_form_js_editor_and_reopened(live_server, page: Page, admin):
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/forms")
    page.click("#new-form")
    editor = page.locator("#fd-form-editor")
    expect(editor).to_have_attribute("data-state", "ready")
    expect(page.locator("#fd-form-canvas")).to_contain_text("Name")  # the new form's field
    page.click("#form-save")
    expect(page.locator("#form-status")).to_contain_text("Saved: new_form v1")
    page.goto(live_server + "/forms")
    page.locator('[data-form="new_form"]').get_by_role("link", name="Edit").click()
    expect(editor).to_have_attribute("data-state", "ready")
    expect(page.locator("#fd-form-canvas")).to_contain_text("Name")


def test_a_start_form_is_filled_when_starting_by_hand_on_a_record(live_server, page: Page, api, client,
                                                                  admin):
    from crm.services.records import create_record
    from engine.models import ProcessInstance
    from engine.spiff_adapter import load, variables
    from tests.integration.engine.test_camunda_forms import FORM as INVOICE_FORM
    from tests.integration.engine.test_start_forms import BPMN, START_FORM

    answer = modeler_deploy(client, api.token, ("order.bpmn", BPMN), ("invoice.form", json.dumps(
        INVOICE_FORM).encode()), ("order_start.form", json.dumps(START_FORM).encode()))
    assert answer.status_code == 200, answer.get_json()
    lead = create_record("lead", {"title": "Big order"}, actor=admin).id
    db.session.commit()
    login(page, live_server, "admin@example.com")
    page.goto(f"{live_server}/leads/{lead}")
    page.click("#start-process")
    page.click('[data-process="order"]')
    expect(page.locator("#fd-form-js")).to_have_attribute("data-state", "ready")
    page.get_by_label("Amount").fill("5000")
    reason = page.get_by_label("Reason")
    expect(reason).to_be_visible()  # amount > 1000: the viewer shows it, and it is required
    page.click("#complete-form")
    expect(page.locator(".fjs-form-field-error").first).to_be_visible()
    reason.fill("a big customer")
    page.click("#complete-form")
    expect(page).to_have_url(f"{live_server}/leads/{lead}#processes")
    db.session.expire_all()
    instance = db.session.query(ProcessInstance).one()
    got = variables(load(instance))
    assert (got["amount"], got["reason"]) == (5000, "a big customer")
