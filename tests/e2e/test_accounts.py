"""Accounts in a real browser: "Forgot password?" → the link mailed (aiosmtpd) → a new password →
logged in; an administrator drags a department onto another on the structure page."""
from __future__ import annotations

import email
import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.services import wait_until

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/password-reset/[A-Za-z0-9_\-]+)")


def _send_outbox() -> None:
    """What the worker does after the commit (the served app runs no Celery kicks)."""
    from sqlalchemy import select

    from extensions import db
    from mail.outbox import OutboxState, SystemMail, deliver

    db.session.rollback()
    queued = select(SystemMail.id).where(SystemMail.state == OutboxState.QUEUED)
    for mail_id in db.session.scalars(queued).all():
        deliver(mail_id)


def _reset_link(smtp_server, address: str) -> str:
    def received() -> str | None:
        _send_outbox()
        for raw in smtp_server.messages:
            if address in raw["rcpt_tos"]:
                body = email.message_from_bytes(raw["data"]).get_payload(decode=True).decode()
                found = LINK.search(body)
                return found.group(1) if found else None
        return None

    return wait_until(received, 15, what=f"the password mail to {address}")


def _log_in(page: Page, live_server: str, address: str, password: str) -> None:
    page.goto(live_server + "/login")
    page.fill("#email", address)
    page.fill("#password", password)
    page.click("form button[type=submit]")


def test_forgot_password_to_a_new_password_and_logged_in(page: Page, live_server, admin, make_user,
                                                         smtp_server):
    from extensions import db
    from mail.services.settings import save_smtp

    save_smtp({"host": smtp_server.host, "port": smtp_server.port, "security": "none",
               "from_address": "flowdesk@example.com"}, actor=admin)
    person = make_user("rita@example.com", first_name="Rita", last_name="Reset")
    address = person.email
    db.session.commit()

    page.goto(live_server + "/login")
    page.click("#forgot-password")
    page.fill("#email", address)
    page.click("#forgot-submit")
    expect(page.locator("#reset-sent")).to_be_visible()

    link = _reset_link(smtp_server, address)
    assert link.startswith(live_server)
    page.goto(link)
    expect(page.locator("#reset-email")).to_have_text(address)
    page.fill("#password", "short")
    page.click("#reset-submit")
    expect(page.locator('[data-error-for="password"]')).to_have_text("Use at least 10 characters")
    page.fill("#password", "Harbour-lights-31")
    page.click("#reset-submit")
    expect(page.locator("#user-menu")).to_contain_text("Rita Reset")
    page.click("#user-menu")
    page.click("#logout-button")
    _log_in(page, live_server, address, "Harbour-lights-31")
    expect(page.locator("#user-menu")).to_contain_text("Rita Reset")
    page.goto(link)
    expect(page.locator("#reset-problem")).to_contain_text("already used")


def test_drag_a_department_onto_another(page: Page, live_server, admin, api):
    sales = api.post("/departments", {"name": "Sales"}).json["id"]
    north = api.post("/departments", {"name": "North"}).json["id"]
    _log_in(page, live_server, admin.email, "Quiet-bay-42")
    expect(page.locator("#user-menu")).to_be_visible()
    page.click("#user-menu")
    page.click("#admin-mode-switch")
    expect(page.locator("#admin-mode-banner")).to_be_visible()
    page.goto(live_server + "/company/departments")
    page.drag_and_drop(f'[data-department-id="{north}"]', f'[data-department-id="{sales}"]')
    expect(page.get_by_text("Department “North” moved.")).to_be_visible()
    assert api.get(f"/departments/{north}").json["parent_id"] == sales
    # Under its own sub-department: the page refuses the drop, nothing is posted.
    page.drag_and_drop(f'[data-department-id="{sales}"]', f'[data-department-id="{north}"]')
    page.drag_and_drop(f'[data-department-id="{north}"]', '[data-drop-target][data-department-id=""]')
    def at_top() -> bool:
        return api.get(f"/departments/{north}").json["parent_id"] is None

    wait_until(at_top, 15, what="North at the top")
    assert api.get(f"/departments/{sales}").json["parent_id"] is None
