"""Phone-sized screens (390 px, touch): no page scrolls sideways, the navigation folds into a
menu button; reference fields search as you type. One server and one logged-in phone for the module."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "timezone_id": "America/Sao_Paulo"}
PAGES = ["/", "/inbox", "inbox-task", "/leads", "/deals", "/contacts", "/companies", "record",
         "/search?q=acme", "/company/departments", "/profile", "/calendar", "/drive", "record-edit"]
OVERFLOW = """() => {
  const width = 390;  // a phone's layout viewport grows to the content: measure against the screen
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 1
      && !e.closest('.table-responsive, .offcanvas-lg, .fc-scroller, [data-overflow-ok]'))
    .slice(0, 5).map((e) => `${e.tagName}.${e.className}#${e.id}`);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


def _seed() -> dict:
    """A company, a deal, a contact and a lead with an open inbox task of the admin's."""
    from crm.services.records import create_record
    from engine.inbox import sync_human_tasks
    from extensions import db
    from org.services.users import create_user
    from tests.support.engine_rows import make_instance
    from transactions import unit_of_work

    with unit_of_work():
        admin = create_user("phone@example.com", "Quiet-bay-42", actor=None, is_admin=True,
                            first_name="Pat", last_name="Phone")
        company = create_record("company", {"title": "Acme Corporation International"}, actor=admin)
        lead = create_record("lead", {"title": "Acme rollout with a rather long title for a phone",
                                      "company_name": "Acme Corp", "responsible_id": admin.id}, actor=admin)
        create_record("deal", {"title": "Acme renewal", "company_id": company.id, "amount": "1200"},
                      actor=admin)
        create_record("contact", {"first_name": "Wile", "last_name": "Coyote",
                                  "emails": ["wile.e.coyote@acme-corporation.example"]}, actor=admin)
    instance = make_instance("lead", lead.id, on_behalf_of_id=admin.id)
    form = [{"id": "comment", "type": "string", "label": "Comment"}]
    task = sync_human_tasks(instance, [{"task_uuid": "t-1", "element_id": "Review", "name": "Review the lead",
                                        "form": form}], {"record": {"responsible_id": admin.id}})[0]
    db.session.commit()
    return {"lead": lead.id, "task": task.id, "company": company.id}


@pytest.fixture(scope="module")
def site(_migrated_app, database_url):
    """The app with CSRF on, served once for the module, with a lead, a deal and an inbox task."""
    from werkzeug.serving import make_server

    from app import create_app
    from config import sqlite_engine_options
    from extensions import celery_init_app, db
    from tests.support.databases import wipe

    with _migrated_app.app_context():
        wipe(db)
        ids = _seed()
        db.session.remove()
    served = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
        "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False, "DEMO_DATA": False,
        "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(database_url),
    })
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-phone", daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", **ids}
    server.shutdown()
    thread.join(timeout=10)
    with served.app_context():
        db.engine.dispose()
    celery_init_app(_migrated_app)


@pytest.fixture(scope="module")
def phone(browser, site):
    """One logged-in phone for every page of the module."""
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    tab.set_default_timeout(8_000)
    tab.goto(site["base"] + "/login")
    tab.fill("#email", "phone@example.com")
    tab.fill("#password", "Quiet-bay-42")
    tab.click("button[type=submit]")
    expect(tab).not_to_have_url(re.compile(r"/login$"))
    yield tab
    context.close()


def _url(site: dict, path: str) -> str:
    special = {"inbox-task": f"/inbox/{site['task']}", "record": f"/leads/{site['lead']}",
               "record-edit": "/deals/new"}
    return site["base"] + special.get(path, path)


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_phone_and_the_menu_opens(phone: Page, site, path: str, request) -> None:
    phone.goto(_url(site, path))
    phone.wait_for_load_state("load")
    try:
        measured = phone.evaluate(OVERFLOW)
        assert measured["scroll"] <= measured["width"], measured
        nav = phone.locator("#fd-sidebar")
        expect(nav).not_to_be_visible()
        phone.locator("#nav-toggle").click()
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="Leads")).to_be_visible()
        nav.get_by_label("Close the menu").click()
        expect(nav).not_to_be_visible()
    except AssertionError:
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        raise


def test_reference_field_searches_as_you_type(phone: Page, site) -> None:
    phone.goto(site["base"] + "/deals/new")
    expect(phone.locator("#f-currency")).to_have_value("")  # no company currency set
    phone.fill("#f-title", "Typed ahead")
    box = phone.locator("#f-company_id")
    box.press_sequentially("acme corp", delay=30)
    pick = phone.locator("[data-ref-pick]")
    expect(pick).to_have_count(1)
    pick.click()
    expect(box).to_have_value("Acme Corporation International")
    expect(phone.locator("input[name=company_id]")).to_have_value(str(site["company"]))
    phone.click("#save-record")
    expect(phone).to_have_url(re.compile(r"/deals/\d+$"))
    expect(phone.get_by_role("link", name="Acme Corporation International").first).to_be_visible()


def test_the_browser_time_zone_becomes_the_profile_setting(phone: Page, site) -> None:
    """app.js posts the browser's zone once (the person had none); the profile then shows it."""
    for _ in range(50):  # the post may still be on its way after the first page
        phone.goto(site["base"] + "/profile")
        if phone.locator("#p-time_zone").input_value() == "America/Sao_Paulo":
            break
        phone.wait_for_timeout(100)
    expect(phone.locator("#p-time_zone")).to_have_value("America/Sao_Paulo")
