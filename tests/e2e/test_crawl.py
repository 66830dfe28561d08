"""A new user's tour in a real browser: with the demo data loaded, an administrator (in admin mode)
and an ordinary employee (the default Manager role) follow every same-origin link from the home
page; no page the app linked to may fail (5xx, 404, or 403 behind a link it showed), log a
JavaScript error, or miss one of its own /static assets."""
from __future__ import annotations

import io
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Quiet-bay-42"
MAX_PATTERNS = 200
QUERY_VARIANTS = 2  # per path: /leads?status and /leads?sort, not every filter combination
# Links not to follow: leaving, files to download, and anything that reads as an action.
SKIP = re.compile(r"logout|download|export|delete|/raw\b|\.(csv|ics|pdf|zip|xlsx|bpmn|dmn|json)$"
                  r"|^/(api|engine-rest|static|metrics|health)\b|format=")
ID_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[A-Za-z0-9_\-]{24,})$")
LINKS_JS = """() => [...document.querySelectorAll('a[href]')]
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href)"""
# htmx fragments the page loads or offers (timeline, board columns, lookups), fetched once each.
FRAGMENTS_JS = """() => [...document.querySelectorAll('[hx-get]')]
    .map(e => new URL(e.getAttribute('hx-get'), location.href).href)"""


@dataclass
class Tour:
    """What one crawl saw: times per URL and the problems, each naming its page."""
    base: str
    times: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    current: str = ""
    fragments: set = field(default_factory=set)

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"{self.current}: console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"{self.current}: page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        own = request.url.startswith(self.base + "/static/")
        if own and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"{self.current}: asset failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        if not response.url.startswith(self.base) or response.request.is_navigation_request():
            return
        if response.status >= 500 or ("/static/" in response.url and response.status >= 400):
            self.problems.append(f"{self.current}: {response.status} from {response.url}")


def pattern(path: str, query: str) -> str:
    """/leads/7?page=2 -> /leads/{id}?page: ids and query values collapse."""
    parts = ["{id}" if ID_SEGMENT.match(p) else p for p in path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})
    return "/".join(parts) + ("?" + "&".join(keys) if keys else "")


def links(page: Page, base: str, script: str = LINKS_JS) -> list[str]:
    """Same-origin links of the page worth following, as path?query."""
    found = []
    for href in page.evaluate(script):
        if not href.startswith(base + "/"):
            continue
        parts = urlsplit(href)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(target):
            found.append(target)
    return found


def check(tour: Tour, target: str, status: int, shown_on: str, employee: bool) -> None:
    """A page or fragment the app linked to answers neither 5xx, 404 nor (linked) 403."""
    if status >= 500 or status == 404 or (status == 403 and shown_on):
        who = "the employee" if employee else "the administrator"
        tour.problems.append(f"{target} (linked from {shown_on or 'nowhere'}): {status} for {who}")


def check_fragments(page: Page, tour: Tour, shown_on: str, employee: bool) -> None:
    """Each htmx fragment pattern once, as htmx asks for it."""
    for target in links(page, tour.base, FRAGMENTS_JS):
        key = pattern(*target.partition("?")[::2])
        if key not in tour.fragments:
            tour.fragments.add(key)
            answer = page.request.get(tour.base + target, headers={"HX-Request": "true"})
            check(tour, target, answer.status, shown_on, employee)


def visit(page: Page, tour: Tour, target: str, shown_on: str, employee: bool) -> list[str]:
    """Open one page, check its status, and return the links it shows."""
    tour.current = target
    started = time.perf_counter()
    try:
        response = page.goto(tour.base + target, wait_until="load")
    except PlaywrightError as exc:  # a file sent as an attachment: check its status only
        if "Download is starting" not in str(exc):
            raise
        response = page.request.get(tour.base + target)
    tour.times[target] = time.perf_counter() - started
    check(tour, target, response.status if response else 0, shown_on, employee)
    if not page.url.startswith(tour.base):
        return []
    check_fragments(page, tour, target, employee)
    return links(page, tour.base)


def crawl(page: Page, base: str, *, employee: bool) -> Tour:
    """Breadth first from the home page, each URL pattern once, at most MAX_PATTERNS of them."""
    tour = Tour(base)
    tour.watch(page)
    queue, seen, variants = deque([("/", "")]), {pattern("/", "")}, Counter()
    while queue and len(tour.times) < MAX_PATTERNS:
        target, shown_on = queue.popleft()
        for link in visit(page, tour, target, shown_on, employee):
            path, _, query = link.partition("?")
            key = pattern(path, query)
            if key in seen or (query and variants[pattern(path, "")] >= QUERY_VARIANTS):
                continue
            seen.add(key)
            variants[pattern(path, "")] += bool(query)
            queue.append((link, target))
    slowest = sorted(tour.times.items(), key=lambda item: -item[1])[:10]
    print(f"\n{'employee' if employee else 'administrator'}: {len(tour.times)} pages visited"
          f" ({len(tour.fragments)} htmx fragments); slowest:")
    for target, seconds in slowest:
        print(f"  {seconds * 1000:7.0f} ms  {target}")
    return tour


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()


@pytest.fixture
def demo(app, admin, api_for):
    """The demo company and CRM records, as a fresh install with FLOWDESK_DEMO_DATA loads them;
    Mia Costa (account executive, default role) gets a password, a record of each type and a
    process on her lead, so her pages show records too."""
    from demo import seed_demo_data
    from extensions import db
    from org.passwords import hash_password
    from org.services.users import find_user

    assert seed_demo_data(admin).startswith("Demo data loaded")
    mia = find_user("mia.costa@example.com")
    mia.password_hash = hash_password(PASSWORD)
    _records_of(mia, admin)
    db.session.commit()
    _things_of(api_for(mia), api_for(admin))
    return admin


def _things_of(api, admin_api) -> None:
    """A workgroup, saved report, drive folder and file of the employee, and a mail template
    (administrators' to make), through the API."""
    root = api.get("/drive/items").json["folder"]["id"]
    folder = api.post("/drive/items", {"parent": root, "name": "Offers"})
    made = [api.post("/workgroups", {"name": "Trade fair team"}),
            admin_api.post("/mail/templates", {"name": "Hello", "subject": "Hi", "body": "Hi"}),
            api.post("/reports", {"name": "By stage", "entity": "deal", "spec": {"group_by": ["stage"]}}),
            folder, api.post("/drive/items", data={"parent": str(folder.json["id"]), "file": [
                (io.BytesIO(b"Prices"), "prices.txt")]}, content_type="multipart/form-data")]
    for answer in made:
        assert answer.status_code == 201, answer.json


def _records_of(user, admin) -> None:
    """A company, contact, deal, lead and task of `user`; the standard processes installed (as on
    a fresh install) and the lead process started on the lead."""
    from crm.services.records import create_record
    from crm.services.tasks import create_task
    from engine.install import install_standard_processes
    from engine.runtime import run_pending
    from engine.triggers import start_manually
    from extensions import db

    mine = {"responsible_id": user.id}
    company = create_record("company", {**mine, "title": "Mia's client"}, actor=admin)
    contact = create_record("contact", {**mine, "last_name": "Client", "company_id": company.id},
                            actor=admin)
    create_record("deal", {**mine, "title": "Mia's deal", "contact_id": contact.id}, actor=admin)
    create_task({**mine, "title": "Call Mia's client"}, actor=admin)
    lead = create_record("lead", {**mine, "title": "Mia's lead"}, actor=admin)
    install_standard_processes()  # what runner.prepare_database does on a fresh install
    start_manually("process_lead", "lead", lead.id, {}, actor=user)
    db.session.commit()
    run_pending()


def test_administrator_meets_no_broken_page(demo, live_server, page):
    log_in(page, live_server, demo.email)
    page.click("#user-menu")
    page.click("#admin-mode-switch")
    expect(page.locator("#admin-mode-banner")).to_be_visible()
    tour = crawl(page, live_server, employee=False)
    assert not tour.problems, "\n".join(tour.problems)


def test_employee_meets_no_broken_page_nor_forbidden_link(demo, live_server, page):
    log_in(page, live_server, "mia.costa@example.com")
    tour = crawl(page, live_server, employee=True)
    assert not tour.problems, "\n".join(tour.problems)
