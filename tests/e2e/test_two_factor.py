"""Two-factor sign-in in a real browser: set it up from the QR page with a first code, log out,
log in with the password and then a code from the "app" (pyotp), and see the recovery codes once."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_enrol_and_log_in_with_a_code(page: Page, live_server, make_user):
    from extensions import db

    user = make_user("tess@example.com")
    email = user.email
    db.session.commit()  # end this thread's transaction: the served app shares the database

    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", "Quiet-bay-42")
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()

    page.goto(live_server + "/profile")
    page.click("#two-factor-link")
    page.click("#two-factor-start")
    expect(page.locator("#qr-code svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(page.locator("#totp-uri")).to_contain_text(f"secret={secret}")
    totp = pyotp.TOTP(secret)
    page.fill("#tf-code", totp.now())
    page.click("#enrol-form button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    expect(page.locator("#two-factor-status")).to_contain_text("10 recovery codes left")

    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("#email", email)
    page.fill("#password", "Quiet-bay-42")
    page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.fill("#code", "000000")
    page.click("form button[type=submit]")
    expect(page.get_by_text("Wrong or already used code")).to_be_visible()
    page.fill("#code", totp.at(time.time() + 30))  # the next step: the enrolment used this one
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()
