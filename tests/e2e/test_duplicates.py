"""The create form warns of possible duplicates while one types, before anything is saved."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_create_form_warns_of_a_duplicate_and_saves_anyway(page: Page, live_server, admin) -> None:
    from crm.services.records import create_record
    from transactions import unit_of_work

    with unit_of_work():
        known = create_record("company", {"title": "Acme GmbH", "phones": ["+49 30 1234567"]}, actor=admin)

    page.goto(live_server + "/login")
    page.fill("#email", admin.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))

    page.goto(live_server + "/companies/new")
    page.fill("#f-title", "Other name")
    page.fill("#f-phones", "030 123 4567")
    page.locator("#f-industry").focus()  # leaving the field fires `change`: the form is checked
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text(f"#{known.id} Acme GmbH")
    expect(warning).to_contain_text("same phone")
    page.fill("#f-phones", "")
    page.fill("#f-title", "ACME Ltd.")
    page.locator("#f-industry").focus()
    expect(warning).to_contain_text("same name")
    page.click("#save-record")  # saving still warns, and offers to save anyway
    expect(page.locator("#save-anyway")).to_be_visible()
    page.click("#save-anyway")
    expect(page).to_have_url(re.compile(r"/companies/\d+$"))
    assert not page.url.endswith(f"/companies/{known.id}")
