"""The top bar's search box in a real browser: suggestions as you type, keyboard, results page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_search_box_suggests_as_you_type(page: Page, live_server, admin) -> None:
    from crm.events import relay_pending
    from crm.services.records import create_record
    from transactions import unit_of_work

    with unit_of_work():
        lead = create_record("lead", {"title": "Acme rollout", "company_name": "Acme Corp"}, actor=admin)
        create_record("contact", {"first_name": "Wile", "last_name": "Coyote",
                                  "emails": ["wile@acme.example"]}, actor=admin)
    relay_pending()

    page.goto(live_server + "/login")
    page.fill("#email", admin.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))
    page.wait_for_load_state("load")  # app.js, which binds "/", has run

    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("acm", delay=40)
    menu = page.locator("#search-suggest")
    expect(menu.locator("[data-search-hit]")).to_have_count(2)
    expect(menu.get_by_text("Leads")).to_be_visible()
    expect(menu.get_by_text("Contacts")).to_be_visible()
    expect(menu.locator("mark").first).to_have_text(re.compile("acm", re.I))

    page.keyboard.press("Escape")
    expect(menu.locator("[data-search-hit]")).to_have_count(0)
    page.fill("#global-search", "")
    page.keyboard.type("acme roll", delay=40)  # both words: only the lead
    expect(menu.locator("[data-search-hit]")).to_have_count(1)
    menu.locator("[data-search-hit]").click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead.id}$"))

    page.fill("#global-search", "wile")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=wile$"))
    expect(page.locator("[data-search-group=contact] [data-search-hit]")).to_have_text("Wile Coyote")
