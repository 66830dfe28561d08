"""A long folder loads more rows as one scrolls (htmx "revealed"), and a public folder link made on
the folder page opens, without an account, a page that browses that folder."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e


def test_scroll_loads_more_and_a_public_folder_link(page: Page, browser: Browser, live_server, make_user,
                                                    api_for, monkeypatch) -> None:
    from web.pages import drive as drive_pages
    from web.pages import drive_picker

    monkeypatch.setattr(drive_pages, "PAGE_SIZE", 10)
    monkeypatch.setattr(drive_picker, "PAGE_SIZE", 10)
    user = make_user("lina@example.com", first_name="Lina", last_name="Long")
    api = api_for(user)
    root = api.get("/drive/items").json["folder"]["id"]
    box = api.post("/drive/items", {"parent": root, "name": "Box"}).json["id"]
    api.post("/drive/items", {"parent": box, "name": "Inner"})
    files = [(io.BytesIO(f"file {n}".encode()), f"f{n:02d}.txt") for n in range(24)]
    assert api.post("/drive/items", data={"parent": str(box), "file": files},
                    content_type="multipart/form-data").status_code == 201

    page.goto(live_server + "/login")
    page.fill("#email", user.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))
    page.goto(f"{live_server}/drive/items/{box}")
    expect(page.locator("#drive-total")).to_have_text("25 items")
    rows = page.locator("#drive-items tr[data-item]")
    expect(rows).to_have_count(10)
    page.locator("#drive-more").scroll_into_view_if_needed()
    expect(rows).to_have_count(20)
    page.locator("#drive-more").scroll_into_view_if_needed()
    expect(rows).to_have_count(25)
    expect(page.locator("#drive-more")).to_have_count(0)

    page.click("#drive-link-new button[type=submit]")
    message = page.locator(".alert", has_text="Public link").inner_text()
    address = re.search(r"https?://\S+/drive/public/[\w-]+", message).group(0)
    stranger = browser.new_context().new_page()
    try:
        stranger.goto(address)
        expect(stranger.locator("#public-total")).to_have_text("25 items")
        stranger.locator('tr[data-item="Inner"] a').click()
        expect(stranger.locator("#public-crumbs")).to_have_text("Box / Inner")
        with stranger.expect_download() as download:
            stranger.goto(address)
            stranger.click("#public-zip")
        assert download.value.suggested_filename == "Box.zip"
    finally:
        stranger.context.close()
