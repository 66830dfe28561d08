"""The drive in a real browser: files dropped on a folder page are uploaded into it (drive.js,
loaded as a module under the CSP), then open with a text preview."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

DROP = """() => {
  const data = new DataTransfer();
  data.items.add(new File(["dropped in the browser"], "dropped.txt", {type: "text/plain"}));
  const main = document.querySelector("main");
  for (const type of ["dragenter", "dragover", "drop"]) {
    main.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


def test_drop_files_on_a_folder_page(page: Page, live_server, make_user) -> None:
    user = make_user("dora@example.com", first_name="Dora", last_name="Drop")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/login")
    page.fill("#email", user.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))
    page.goto(live_server + "/drive")
    expect(page.locator("h1")).to_contain_text("My drive")
    page.wait_for_load_state("networkidle")  # drive.js is a module: it runs after parsing
    page.evaluate(DROP)
    row = page.locator('tr[data-item="dropped.txt"]')
    expect(row).to_be_visible()
    row.locator("a", has_text="dropped.txt").click()
    expect(page.locator("#drive-text")).to_have_text("dropped in the browser")
    assert not [e for e in errors if "Content Security Policy" in e], errors
