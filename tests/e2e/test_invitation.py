"""Inviting a colleague in a real browser: the link arrives by mail (aiosmtpd), the invited
person sets a name and password through it, then logs in."""
from __future__ import annotations

import email
import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.services import wait_until

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invitation/[A-Za-z0-9_\-]+)")


def _link_in_mail(smtp_server, address: str) -> str:
    """The invitation link in the mail the SMTP server received for `address`."""
    def received() -> str | None:
        for raw in smtp_server.messages:
            if address in raw["rcpt_tos"]:
                msg = email.message_from_bytes(raw["data"])
                body = msg.get_payload(decode=True).decode()
                found = LINK.search(body)
                return found.group(1) if found else None
        return None

    return wait_until(received, 15, what=f"the invitation mail to {address}")


def test_invite_a_colleague_who_joins_through_the_mailed_link(page: Page, live_server, admin, smtp_server):
    from extensions import db
    from mail.services.settings import save_smtp

    save_smtp({"host": smtp_server.host, "port": smtp_server.port, "security": "none",
               "from_address": "flowdesk@example.com"}, actor=admin)
    admin_email = admin.email
    db.session.commit()  # end this thread's transaction: the served app shares the database

    page.goto(live_server + "/login")
    page.fill("#email", admin_email)
    page.fill("#password", "Quiet-bay-42")
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()

    page.goto(live_server + "/company/employees")
    page.click("#invite-colleagues")
    page.fill("#invite-emails", "zoe.new@example.com")
    page.click("#invite-send")
    expect(page.get_by_text("Invited 1 person.")).to_be_visible()
    row = page.locator('tr[data-invitation="zoe.new@example.com"]')
    expect(row.locator("[data-state]")).to_have_text("Pending")
    page.goto(live_server + "/company/employees?state=pending")
    expect(page.locator('tr[data-person="zoe.new@example.com"]')).to_be_visible()
    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login$"))

    link = _link_in_mail(smtp_server, "zoe.new@example.com")
    assert link.startswith(live_server)
    page.goto(link)
    expect(page.locator("#invitation-email")).to_have_text("zoe.new@example.com")
    page.fill("#first_name", "Zoe")
    page.fill("#last_name", "Newman")
    page.fill("#password", "short")
    page.fill("#password_confirm", "short")
    page.click("#invitation-submit")
    expect(page.locator('[data-error-for="password"]')).to_have_text("Use at least 10 characters")
    page.fill("#password", "zoe-secret-1")
    page.fill("#password_confirm", "zoe-secret-1")
    page.click("#invitation-submit")
    expect(page).to_have_url(re.compile(r"/login\?email="))
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    expect(page.locator("#email")).to_have_value("zoe.new@example.com")

    page.fill("#password", "zoe-secret-1")
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_contain_text("Zoe Newman")
    expect(page.get_by_role("heading", name="Hello, Zoe")).to_be_visible()

    # The link worked once.
    page.goto(link)
    expect(page.locator("#invitation-problem")).to_contain_text("already used")
