"""The drive's PDF preview in a real browser: pdf.js (our bundle and its worker, under the CSP)
draws the first page on a canvas, and the page navigation draws the second."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.integration.drive.test_drive_pdf_text import pdf_with

pytestmark = pytest.mark.e2e

# Whether the canvas holds dark pixels (the page's text), not only the white page.
INKED = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 128) dark += 1;
  return dark;
}"""


def test_a_pdf_previews_with_pdfjs_and_page_navigation(page: Page, live_server, make_user) -> None:
    user = make_user("pia@example.com", first_name="Pia", last_name="Pdf")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/login")
    page.fill("#email", user.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))
    page.goto(live_server + "/drive")
    body = pdf_with("FIRST PAGE " * 4, "SECOND PAGE " * 4)
    page.set_input_files("#drive-files", files=[{"name": "two.pdf", "mimeType": "application/pdf",
                                                 "buffer": body}])
    page.click("#drive-upload button[type=submit]")
    page.locator('tr[data-item="two.pdf"] a', has_text="two.pdf").click()
    viewer = page.locator("#pdf-viewer")
    expect(viewer).to_have_attribute("data-rendered-page", "1")
    expect(viewer.locator("[data-pdf-pages]")).to_have_text("2")
    canvas = viewer.locator("canvas")
    assert canvas.evaluate(INKED) > 0  # the page's text is drawn
    expect(viewer.locator("[data-pdf-prev]")).to_be_disabled()
    viewer.locator("[data-pdf-next]").click()
    expect(viewer).to_have_attribute("data-rendered-page", "2")
    expect(viewer.locator("[data-pdf-page]")).to_have_value("2")
    expect(viewer.locator("[data-pdf-next]")).to_be_disabled()
    assert canvas.evaluate(INKED) > 0
    assert page.locator("iframe").count() == 0  # not the browser's own viewer any more
    assert not [e for e in errors if "Content Security Policy" in e], errors
