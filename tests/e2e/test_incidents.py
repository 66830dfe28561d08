"""Incidents in a real browser: an administrator opens the failed step from the process list,
fixes the missing variable in the retry form, and the instance runs on."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.test_processes import login
from tests.integration.engine.runtime_support import create_lead, deploy, drive
from tests.integration.engine.test_incidents import FRAGILE

pytestmark = pytest.mark.e2e


def test_admin_retries_an_incident_after_fixing_a_variable(live_server, page, make_user, api_for):
    ops = make_user("ops@example.com", admin=True)
    api = api_for(ops)
    deploy(api, FRAGILE)
    create_lead(api, "Broken order")
    drive()
    login(page, live_server, "ops@example.com")
    page.goto(live_server + "/processes")
    expect(page.locator('tr[data-key="fragile"] [data-count="incidents"]')).to_have_text("1")
    page.click("#incidents-link")
    row = page.locator("#incident-table tr[data-element=Compute]")
    expect(row).to_contain_text("amount")
    row.locator("[data-action=open]").click()
    expect(page.locator("#incident-detail")).to_contain_text("failedJob")
    variables = json.loads(page.input_value("#retry-variables"))
    page.fill("#retry-variables", json.dumps({**variables, "amount": 4}))
    page.click("#retry-button")
    expect(page.locator(".alert-success")).to_contain_text("runs again")
    expect(page.locator("#incident-table")).to_have_count(0)
    drive()
    (instance,) = api.get("/process-instances").get_json()["items"]
    assert instance["status"] == "waiting"
