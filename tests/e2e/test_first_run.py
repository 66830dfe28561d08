"""The first run in a real browser: first admin, log out and in, a lead through the form."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_first_admin_logs_in_and_works_a_lead(live_server, page):
    # An empty database sends the first visitor to the first-account page.
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    page.fill("#first_name", "Ada")
    page.fill("#last_name", "Admin")
    page.fill("#email", "ada@example.com")
    page.fill("#password", "correct horse battery")
    page.click("form button[type=submit]")
    expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("Ada Admin")

    # Log out through the user menu (a POST form with the CSRF token), then log in again.
    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    page.goto(live_server + "/leads")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#email", "ada@example.com")
    page.fill("#password", "correct horse battery")
    page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/leads$"))

    # The lead form: an empty title is refused with the error next to the field.
    page.click("#new-record")
    page.fill("#f-first_name", "Peter")
    page.click("#save-record")
    expect(page.locator('[data-error-for="title"]')).to_have_text("This field is required")
    expect(page.locator("#f-first_name")).to_have_value("Peter")
    page.fill("#f-title", "Browser lead")
    page.fill("#f-emails", "Peter@Example.com")
    page.fill("#f-amount", "2500")
    page.fill("#f-currency", "eur")
    page.click("#save-record")
    expect(page.locator("#record-title")).to_have_text("Browser lead")
    expect(page.locator('.fd-entry[data-kind="created"]')).to_contain_text("Lead created")

    # It is in the list; open it from there.
    page.get_by_role("link", name="Leads", exact=True).click()
    row = page.locator("tbody tr", has_text="Browser lead")
    expect(row).to_contain_text("Peter")
    expect(row).to_contain_text("2\u202f500.00 EUR")
    row.get_by_role("link", name="Browser lead").click()
    expect(page.locator('.fd-entry[data-kind="created"]')).to_be_visible()

    # Edit a field: the timeline shows the change, old -> new, newest first.
    page.click("#edit-record")
    page.select_option("#f-status", "IN_PROCESS")
    page.click("#save-record")
    change = page.locator(".fd-entry").first
    expect(change).to_have_attribute("data-kind", "changed")
    expect(change.locator(".fd-change")).to_contain_text("Status")
    expect(change.locator(".old")).to_have_text("New")
    expect(change.locator(".new")).to_have_text("In process")
    expect(change).to_contain_text("Ada Admin")

    # A comment goes in through htmx (CSRF header) without leaving the page.
    url = page.url
    page.fill("#timeline textarea[name=text]", "Called Peter, he wants a quote.")
    page.click("#timeline button[type=submit]")
    expect(page.locator(".fd-entry").first).to_contain_text("Called Peter, he wants a quote.")
    assert page.url == url
