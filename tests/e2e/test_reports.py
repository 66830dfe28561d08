"""The funnel's Chart.js chart draws, and a person rearranges their dashboard, in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_funnel_chart_draws_and_dashboard_is_customized(page: Page, live_server, admin) -> None:
    from crm.services.records import create_record, update_record
    from transactions import unit_of_work

    with unit_of_work():
        deal = create_record("deal", {"title": "Rollout", "amount": 500}, actor=admin)
        create_record("deal", {"title": "Pilot", "amount": 50}, actor=admin)
    with unit_of_work():
        update_record("deal", deal.id, {"stage": "PROPOSAL"}, actor=admin)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server + "/login")
    page.fill("#email", admin.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))

    page.goto(live_server + "/reports/funnel")
    canvas = page.locator("canvas[data-chart]")
    expect(canvas).to_have_attribute("style", re.compile(r"height: \d+"))  # Chart.js sized and drew it
    assert canvas.evaluate("c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v)")
    expect(page.locator("#funnel-table tbody tr").first).to_contain_text("2")

    page.goto(live_server + "/")
    expect(page.locator("[data-widget=deals_by_stage]")).to_be_visible()
    page.get_by_role("button", name="Customize").click()
    page.locator("#w-deals_by_stage").uncheck()
    page.get_by_role("button", name="Save my dashboard").click()
    expect(page.locator("[data-widget=won]")).to_be_visible()
    expect(page.locator("[data-widget=deals_by_stage]")).to_have_count(0)
    assert errors == []
