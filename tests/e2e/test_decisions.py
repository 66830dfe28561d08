"""The decision table editor (dmn-js) in Chromium: a new table opens, saves as version 1 and reopens."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_processes import login


def test_a_new_decision_table_is_saved_and_reopened(live_server, page: Page, make_user):
    make_user("analyst@example.com", admin=True, first_name="Ana", last_name="Lyst")
    login(page, live_server, "analyst@example.com")
    page.goto(live_server + "/decisions")
    page.click("#new-decision")
    editor = page.locator("#fd-dmn-editor")
    expect(editor).to_have_attribute("data-state", "ready")
    expect(page.locator("#fd-dmn-canvas .tjs-table")).to_be_visible()  # the decision table view
    page.click("#dmn-save")
    expect(page.locator("#dmn-status")).to_contain_text("Saved: Decision_1 v1")
    page.goto(live_server + "/decisions")
    page.locator('[data-decision="Decision_1"]').get_by_role("link", name="Edit").click()
    expect(editor).to_have_attribute("data-state", "ready")
    expect(page.locator("#fd-dmn-canvas .tjs-table")).to_contain_text('"small"')
