"""Take the README's screenshots: a scripted run on a scratch database, driven by Chromium.

    .venv/bin/python scripts/screenshots.py          # writes docs/screenshots/*.png

Needs the built front-end (`make assets`) and Debian's Chromium (as the browser tests do).
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SCRATCH = Path(tempfile.mkdtemp(prefix="flowdesk-shots-"))
os.environ["FLOWDESK_INSTANCE"] = str(SCRATCH)
sys.path.insert(0, str(ROOT))

DIAGRAM = (ROOT / "tests" / "e2e" / "lead_review.bpmn").read_bytes()
# The service task shown as its element template ("Add comment") in the designer screenshot.
DIAGRAM = DIAGRAM.replace(b'camunda:topic="crm.add_comment">', b'camunda:topic="crm.add_comment" '
                          b'camunda:modelerTemplate="flowdesk.crm.add_comment">')
PASSWORD = "screenshots-only"


def build_app():
    from app import create_app
    from config import sqlite_engine_options
    from runner import prepare_database

    url = f"sqlite:///{SCRATCH}/flowdesk.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False,
                      "DEMO_DATA": False, "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(url)})
    prepare_database(app)
    return app


def seed(app) -> dict:  # noqa: ANN001
    """An administrator, the demo company, the lead review process, and work in the inbox."""
    from crm.services.records import create_record
    from demo import seed_demo_data
    from engine.deploy import deploy_process
    from engine.inbox import complete_task, list_inbox
    from engine.runtime import run_pending
    from org.services.users import create_user

    with app.app_context():
        admin = create_user("olga.meyer@example.com", PASSWORD, actor=None, is_admin=True,
                            first_name="Olga", last_name="Meyer")
        deploy_process(DIAGRAM, actor=admin)
        seed_demo_data(admin)
        lead = create_record("lead", {"title": "Acme Corp: 40 seats", "first_name": "Max",
                                      "last_name": "Schmidt", "company_name": "Acme Corp",
                                      "amount": "18500", "currency": "EUR", "source": "Website"},
                             actor=admin)
        run_pending()
        review = next(t for t in list_inbox(admin, limit=100).items
                      if t.entity_id == lead.id and t.element_id == "Activity_Review")
        complete_task(review.id, {"decision": "good", "budget": "18500", "urgent": "true"}, actor=admin)
        run_pending()
        call = next(t for t in list_inbox(admin, limit=100).items if t.instance_id == review.instance_id)
        return {"instance": review.instance_id, "task": call.id, "email": admin.email}


def serve(app):  # noqa: ANN001
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def switch_admin_mode(page) -> None:  # noqa: ANN001
    """Toggle admin mode through the user menu (when the portal has one)."""
    if page.locator("#admin-mode-switch").count():
        page.click("#user-menu")
        page.click("#admin-mode-switch")
        page.wait_for_load_state()


def shoot(base: str, facts: dict) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(base + "/login")
        page.fill("#email", facts["email"])
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        expect(page.locator("#user-menu")).to_be_visible()

        switch_admin_mode(page)  # designing processes is an administrator's job, in admin mode
        page.goto(base + "/processes/lead_review/versions/1/edit")
        expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")
        box = page.locator('#fd-canvas g.djs-element[data-element-id="Activity_Note"]').bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(10, 10)
        page.wait_for_timeout(400)
        page.screenshot(path=str(OUT / "designer.png"))

        switch_admin_mode(page)  # the rest as an ordinary user sees it
        page.goto(base + f"/processes/instances/{facts['instance']}")
        expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "instance.png"))

        page.goto(base + "/inbox")
        expect(page.locator("#inbox-list")).to_be_visible()
        page.screenshot(path=str(OUT / "inbox.png"))
        page.goto(base + f"/inbox/{facts['task']}")
        page.fill("#tf-outcome", "ok")
        page.click("#complete-task")  # a field error, shown inline
        expect(page.locator('[data-error-for="outcome"]')).to_be_visible()
        page.screenshot(path=str(OUT / "inbox-task.png"))
        browser.close()


def main() -> None:
    app = build_app()
    facts = seed(app)
    server, base = serve(app)
    try:
        shoot(base, facts)
    finally:
        server.shutdown()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
