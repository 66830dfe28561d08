"""The designer's "Save draft" in Chromium: the draft is kept (with its problems), starts
nothing, reopens from the list and is published from there."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_processes import login, panel_field


def test_a_draft_is_saved_reopened_and_published(live_server, page: Page, make_user):
    make_user("analyst@example.com", admin=True, first_name="Ana", last_name="Lyst")
    login(page, live_server, "analyst@example.com")
    page.goto(live_server + "/processes")
    page.click("#new-diagram")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")
    canvas = page.locator("#fd-canvas").bounding_box()
    page.mouse.click(canvas["x"] + 200, canvas["y"] + canvas["height"] - 60)  # the process
    for entry, value in (("name", "Drafted check"), ("id", "drafted_check")):
        field = panel_field(page, entry)
        field.fill(value)
        field.press("Tab")
        page.wait_for_timeout(300)
    page.click("#modeler-save-draft")
    expect(page.locator("#modeler-status")).to_contain_text("Draft saved")
    expect(page).to_have_url(re.compile(r"/processes/drafted_check/draft/edit$"))

    page.goto(live_server + "/processes")
    draft = page.locator('[data-draft="drafted_check"]')
    expect(draft).to_contain_text("Drafted check")
    expect(page.locator('#process-table [data-key="drafted_check"]')).to_have_count(0)  # not live
    draft.get_by_role("link", name="Drafted check").click()
    expect(page.locator("#draft-badge")).to_be_visible()
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")
    page.goto(live_server + "/processes")
    page.locator('[data-draft="drafted_check"]').get_by_role("button", name="Publish").click()
    expect(page.get_by_text("published as version 1")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/processes/drafted_check$"))
