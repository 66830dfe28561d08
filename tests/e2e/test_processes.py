"""Processes in a real browser: an analyst uploads and edits a diagram and sets a trigger; a
user creates a lead and works the inbox task; the instance diagram shows the path taken."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

DIAGRAM = Path(__file__).with_name("lead_review.bpmn")
COMPLETED = "rgb(31, 143, 78)"  # the viewer's stroke for completed elements (#1f8f4e)
CURRENT = "rgb(47, 107, 255)"


class EngineDriver:
    """The worker of the live server: relays outbox events and runs instances in a thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="e2e-engine", daemon=True)

    def _loop(self) -> None:
        from engine.runtime import run_pending
        from extensions import db

        while not self.stop.wait(0.15):
            with self.app.app_context():
                try:
                    run_pending()
                except Exception as exc:  # surfaced by the fixture, never hidden
                    self.failure = exc
                    return
                finally:
                    db.session.remove()


@pytest.fixture
def engine_worker(app, live_server):
    driver = EngineDriver(app)
    driver.thread.start()
    yield driver
    driver.stop.set()
    driver.thread.join(timeout=10)
    assert driver.failure is None, driver.failure


def login(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "Quiet-bay-42")
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()
    if page.locator("#admin-mode-switch").count():  # administrators design processes in admin mode
        page.click("#user-menu")
        page.click("#admin-mode-switch")
        expect(page.locator("#admin-mode-banner")).to_be_visible()


def logout(page: Page) -> None:
    page.click("#user-menu")
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login$"))


def panel_field(page: Page, entry_id: str):
    """A field of the bpmn-js properties panel, by its entry id ("name", "conditionExpression")."""
    return page.locator(f"#fd-properties #bio-properties-panel-{entry_id}")


def select_element(page: Page, element_id: str) -> None:
    """Click an element on the canvas (a flow at its middle: a straight flow's box has no height)."""
    box = page.locator(f'#fd-canvas g.djs-element[data-element-id="{element_id}"]').bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#fd-properties .bio-properties-panel-header-label")).to_be_visible()


def open_group(page: Page, title: str) -> None:
    header = page.locator("#fd-properties .bio-properties-panel-group-header", has_text=title).first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def edit_in_designer(page: Page) -> None:
    """Rename a task, apply an activity template and edit a gateway condition through the
    properties panel; the server refuses the broken condition and the designer marks the flow."""
    page.click("#open-designer")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")
    select_element(page, "Activity_Call")
    name = panel_field(page, "name")
    name.fill("Call the customer now")
    name.press("Tab")
    page.wait_for_timeout(300)  # web-modeler gotcha 7: let the panel commit before changing selection
    # The service task becomes the "Add comment" activity, picked from the element templates.
    select_element(page, "Activity_Note")
    page.locator("#fd-properties").get_by_role("button", name="Select").click()
    page.locator(".djs-popup.element-template-chooser").get_by_text("Add comment", exact=True).click()
    expect(page.locator("#fd-properties .bio-properties-panel-header-type")).to_have_text(
        re.compile("add comment", re.I))
    expect(page.locator("#fd-properties").get_by_label("Activity (topic)")).to_have_value("crm.add_comment")
    text = page.locator("#fd-properties").get_by_label("Text", exact=True)
    text.fill("Outcome: ${outcome}")
    text.press("Tab")
    page.wait_for_timeout(300)
    select_element(page, "Flow_Good")
    open_group(page, "Condition")
    condition = panel_field(page, "conditionExpression")
    expect(condition).to_have_value('${decision == "good"}')
    condition.fill('${decision = "good"}')
    condition.press("Tab")
    page.wait_for_timeout(300)
    page.click("#modeler-save")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "invalid")
    problem = page.locator('#modeler-problems [data-element="Flow_Good"]')
    expect(problem).to_be_visible()
    expect(page.locator('#fd-canvas g.djs-element.fd-invalid[data-element-id="Flow_Good"]')).to_have_count(1)
    expect(page.locator('[data-container-id="Flow_Good"] .fd-problem-pin')).to_be_visible()
    problem.click()
    condition = panel_field(page, "conditionExpression")
    condition.fill('${decision == "good"}')
    condition.press("Tab")
    page.wait_for_timeout(300)
    page.click("#modeler-save")
    expect(page).to_have_url(re.compile(r"/processes/lead_review$"))
    expect(page.get_by_text("saved as version 2")).to_be_visible()


def test_designer_trigger_inbox_and_instance_diagram(live_server, engine_worker, page, make_user):
    analyst = make_user("analyst@example.com", admin=True, first_name="Ana", last_name="Lyst")
    make_user("sam@example.com", first_name="Sam", last_name="Seller")
    assert analyst.is_admin

    # The analyst uploads a diagram made in Camunda Modeler...
    login(page, live_server, "analyst@example.com")
    page.locator(".fd-nav a", has_text="Processes").click()
    expect(page.get_by_text("No processes yet")).to_be_visible()
    page.set_input_files("#upload-file", str(DIAGRAM))
    page.click("#upload-button")
    expect(page.locator("#process-name")).to_have_text("Lead review")
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    # ...edits it in the web modeler and saves it as version 2...
    edit_in_designer(page)
    # ...and narrows its trigger down to leads worth more than 100.
    page.click("#edit-triggers")
    page.fill("#condition-0", "record.amount >")
    page.click("#save-triggers")
    expect(page.locator('[data-error-for="condition-0"]')).to_contain_text("Invalid condition")
    page.fill("#condition-0", "record.amount > 100")
    page.click("#save-triggers")
    expect(page.locator("#trigger-list")).to_contain_text("lead.created if record.amount > 100")
    logout(page)

    # A seller creates a lead; the process starts and puts a task in the seller's inbox.
    login(page, live_server, "sam@example.com")
    page.goto(live_server + "/leads/new")
    page.fill("#f-title", "Browser order")
    page.fill("#f-amount", "2500")
    page.click("#save-record")
    expect(page.locator("#record-title")).to_have_text("Browser order")
    lead_url = page.url
    inbox_link = page.locator(".fd-nav a", has_text="Inbox")
    for _ in range(50):  # the engine thread picks the event up within moments
        if page.locator("#inbox-badge").text_content() == "1":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#inbox-badge")).to_have_text("1")
    inbox_link.click()
    page.locator("#inbox-list a", has_text="Review lead").click()
    expect(page.locator("#task-record")).to_contain_text("Browser order")
    expect(page.locator("#task-record-link")).to_have_attribute("href", re.compile(r"/leads/\d+$"))

    # A field error first, shown next to the field; then the form goes through.
    page.fill("#tf-budget", "-1")
    page.click("#complete-task")
    expect(page.locator('[data-error-for="decision"]')).to_have_text("This field is required")
    expect(page.locator('[data-error-for="budget"]')).to_have_text("At least 0")
    page.select_option("#tf-decision", "good")
    page.fill("#tf-budget", "5000")
    page.check("#tf-urgent")
    page.click("#complete-task")
    # The next task of the same instance opens directly; it has the name given in the designer.
    expect(page.locator("#task-name")).to_have_text("Call the customer now")

    # Half way: the instance diagram shows the path so far and the current task.
    page.click("#task-instance")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(element(page, "Activity_Review")).to_have_class(re.compile(r"\bfd-completed\b"))
    expect(element(page, "Activity_Call")).to_have_class(re.compile(r"\bfd-current\b"))
    assert stroke(page, "Activity_Call") == CURRENT
    page.go_back()

    page.fill("#tf-outcome", "Signed the contract")
    page.click("#complete-task")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.locator("#inbox-badge")).to_be_hidden()

    # The record page lists the finished process; its diagram shows the path taken.
    page.goto(lead_url)
    expect(page.locator(".fd-entry", has_text="Outcome: Signed the contract")).to_be_visible()
    page.locator("#processes a", has_text="Lead review").click()
    expect(page.locator('[data-status="completed"]').first).to_be_visible()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    for taken in ("StartEvent_Lead", "Flow_1", "Activity_Review", "Flow_2", "Gateway_Decision", "Flow_Good",
                  "Activity_Call", "Flow_3", "Activity_Note", "Flow_4", "EndEvent_Done"):
        expect(element(page, taken)).to_have_class(re.compile(r"\bfd-completed\b"))
        assert stroke(page, taken) == COMPLETED, taken
    for skipped in ("Flow_Bad", "EndEvent_Rejected"):
        expect(element(page, skipped)).not_to_have_class(re.compile(r"\bfd-completed\b"))
        assert stroke(page, skipped) != COMPLETED, skipped
    expect(page.locator("#instance-log li[data-kind=completed]")).to_have_count(1)


def element(page: Page, element_id: str):
    return page.locator(f'#diagram g.djs-element[data-element-id="{element_id}"]')


def stroke(page: Page, element_id: str) -> str:
    """The computed stroke colour of the element's shape (or path) in the SVG."""
    return element(page, element_id).locator(".djs-visual").evaluate(
        "v => getComputedStyle(v.querySelector('rect, circle, polygon, path')).stroke")


def test_analyst_draws_a_process_and_starts_it_from_a_record(live_server, engine_worker, page, make_user):
    from crm.services.records import create_record
    from transactions import unit_of_work

    analyst = make_user("analyst@example.com", admin=True, first_name="Ana", last_name="Lyst")
    with unit_of_work():  # the served app shares the database: commit before the browser looks
        lead = create_record("lead", {"title": "Drawn order"}, actor=analyst)
    login(page, live_server, "analyst@example.com")
    page.goto(live_server + "/processes")
    page.click("#new-diagram")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")

    # Draw: start -> "Check the order" -> end, through the context pad.
    select_element(page, "StartEvent_1")
    page.locator('.djs-context-pad .entry[data-action="append.append-task"]').click()
    page.keyboard.type("Check the order")
    canvas = page.locator("#fd-canvas").bounding_box()
    page.mouse.click(canvas["x"] + 200, canvas["y"] + canvas["height"] - 60)  # the background: the process
    task = page.locator("#fd-canvas g.djs-shape", has_text="Check the order")
    expect(task).to_have_count(1)
    task.click()
    page.locator('.djs-context-pad .entry[data-action="append.end-event"]').click()
    # Name the process through the panel (its id becomes the process key).
    page.mouse.click(canvas["x"] + 200, canvas["y"] + canvas["height"] - 60)
    header = page.locator("#fd-properties .bio-properties-panel-header-type")
    expect(header).to_have_text(re.compile("process", re.I))
    for entry, value in (("name", "Order check"), ("id", "order_check")):
        field = panel_field(page, entry)
        field.fill(value)
        field.press("Tab")
        page.wait_for_timeout(300)
    page.click("#modeler-save")
    expect(page).to_have_url(re.compile(r"/processes/order_check$"))
    expect(page.locator("#process-name")).to_have_text("Order check")
    expect(page.locator("#trigger-list")).to_contain_text("Manual start only")

    # Start it by hand from the lead's page; the panel shows it, then its coloured diagram.
    page.goto(f"{live_server}/leads/{lead.id}")
    page.click("#start-process")
    page.click('[data-process="order_check"]')
    expect(page.get_by_text("“Order check” started")).to_be_visible()
    item = page.locator("#processes [data-instance]", has_text="Order check")
    for _ in range(50):  # the engine thread runs it to its wait state within moments
        if "Check the order" in (item.text_content() or ""):
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(item).to_contain_text("Check the order")  # its current step
    expect(item.locator('[data-status="waiting"]')).to_be_visible()
    # A task without a form is simply marked done in the inbox.
    page.locator(".fd-nav a", has_text="Inbox").click()
    page.locator("#inbox-list a", has_text="Check the order").click()
    expect(page.get_by_text("This task has no form")).to_be_visible()
    page.click("#complete-task")
    expect(page.get_by_text("“Check the order” done.")).to_be_visible()
    page.goto(f"{live_server}/leads/{lead.id}")
    expect(item.locator('[data-status="completed"]')).to_be_visible()
    item.get_by_role("link", name="Order check").click()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("#diagram g.djs-element.fd-completed")).to_have_count(5)  # 3 shapes, 2 flows
    expect(page.locator("#diagram g.djs-element.fd-current")).to_have_count(0)

    # The process page's heat map: the time spent in each element, from the history.
    page.goto(f"{live_server}/processes/order_check")
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    page.click("[data-heatmap-toggle]")
    expect(page.locator("#diagram")).to_have_attribute("data-heatmap", "on")
    expect(page.locator("#diagram g.djs-element.fd-heat-5")).to_have_count(1)  # the user task: slowest
    expect(page.locator("#diagram .fd-heat-badge")).to_have_count(3)  # start, task, end
    expect(page.locator("#diagram .fd-heat-badge").first).to_contain_text("p90")


def test_designer_pins_the_engine_warnings_in_amber(live_server, page, make_user, tmp_path):
    make_user("analyst@example.com", admin=True, first_name="Ana", last_name="Lyst")
    diagram = tmp_path / "warned.bpmn"
    diagram.write_bytes(DIAGRAM.read_bytes().replace(
        b'id="Activity_Review"', b'id="Activity_Review" camunda:jobPriority="5"', 1))
    login(page, live_server, "analyst@example.com")
    page.goto(live_server + "/processes")
    page.set_input_files("#upload-file", str(diagram))
    page.click("#upload-button")
    warnings = page.locator("#process-warnings")
    expect(warnings.locator('[data-element="Activity_Review"]')).to_contain_text("camunda:jobPriority")

    page.click("#open-designer")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-container-id="Activity_Review"] .fd-warning-pin')).to_be_visible()
    warned = page.locator('#fd-canvas g.djs-element.fd-warned[data-element-id="Activity_Review"]')
    expect(warned).to_have_count(1)
    expect(page.locator('#modeler-warnings [data-element="Activity_Review"]')).to_contain_text("jobPriority")
    expect(page.locator(".fd-problem-pin")).to_have_count(0)  # a warning never blocks a save

    page.click("#modeler-save")
    expect(page.locator("#fd-modeler")).to_have_attribute("data-state", "saved")
    expect(page.locator("#modeler-status")).to_contain_text("with 1 warning(s)")
    expect(page.locator('[data-container-id="Activity_Review"] .fd-warning-pin')).to_be_visible()
    page.click("#modeler-saved-link")
    expect(page.get_by_text("saved as version 2")).to_be_visible()
