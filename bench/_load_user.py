"""One simulated user of bench/load.py: a browser session (cookies, CSRF token) over real HTTP.

Each round visits every page kind once in an order of its own, with think times between; a
request is an error when it answers 5xx, fails to connect, or says "database is locked".
"""
from __future__ import annotations

import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
OPTION_RE = re.compile(r'<option value="([^"]+)"')
WORDS = ("northwind", "contoso", "inquiry", "contract", "fa", "anna", "tailspin")
ACTIONS = ("dashboard", "inbox", "task", "leads", "deals", "contacts", "record", "search", "board", "create")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect answer is the answer measured (a form post's 302), not the page after it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Stats:
    """Latencies per page kind, errors and 4xx answers, shared by every user thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.rejected: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}  # the first 4xx answer of each page kind

    def add(self, kind: str, ms: float, status: int, body: str) -> None:
        with self.lock:
            self.ms[kind].append(ms)
            if status >= 500 or status == 0 or "database is locked" in body:
                self.errors.append(f"{kind}: {status} {body[:160]!r}")
            elif status >= 400:
                self.rejected[kind] += 1
                self.samples.setdefault(kind, f"{status} {body[:300]!r}")


class User:
    """A person with their own account, logged in through the login form."""

    def __init__(self, base: str, email: str, password: str, stats: Stats, think: float, seed: int) -> None:
        self.base, self.email, self.password, self.stats, self.think = base, email, password, stats, think
        self.rng = random.Random(seed)
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies, _NoRedirect())
        self.csrf = ""
        self.seen: dict[str, list[int]] = {"leads": [], "deals": [], "contacts": []}
        self.tasks: list[int] = []
        self.created = 0

    def request(self, kind: str, path: str, form: dict | None = None) -> tuple[int, str]:
        """One request, timed and counted under `kind`; (status, body)."""
        data = None if form is None else urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode()
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=120) as answer:
                status, body = answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            status, body = 0, str(exc)
        self.stats.add(kind, (time.perf_counter() - started) * 1000, status, body)
        return status, body

    def login(self) -> None:
        _, body = self.request("login form", "/login")
        self.csrf = CSRF_RE.search(body).group(1)
        status, _ = self.request("login", "/login", {"email": self.email, "password": self.password})
        if status != 302:
            raise RuntimeError(f"{self.email} could not log in ({status})")

    def round(self) -> None:
        order = list(ACTIONS)
        self.rng.shuffle(order)
        for action in order:
            getattr(self, f"do_{action}")()
            if self.think:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def _list(self, plural: str) -> None:
        _, body = self.request(f"{plural[:-1]} list", f"/{plural}")
        ids = [int(n) for n in re.findall(rf'href="/{plural}/(\d+)"', body)]
        self.seen[plural] = ids or self.seen[plural]

    def do_dashboard(self) -> None:
        self.request("dashboard", "/")

    def do_inbox(self) -> None:
        _, body = self.request("inbox", "/inbox")
        self.tasks = [int(n) for n in re.findall(r'href="/inbox/(\d+)"', body)]

    def do_task(self) -> None:
        """Open a task of the inbox and complete it with one of the choices its form offers."""
        if not self.tasks:
            self.do_inbox()
        if not self.tasks:
            return
        task = self.tasks.pop(self.rng.randrange(len(self.tasks)))
        _, body = self.request("inbox task", f"/inbox/{task}")
        choices = OPTION_RE.findall(body)
        if choices:  # a task done meanwhile (another tab, a boundary timer) shows no form
            self.request("complete task", f"/inbox/{task}/complete", {"decision": self.rng.choice(choices)})

    def do_leads(self) -> None:
        self._list("leads")

    def do_deals(self) -> None:
        self._list("deals")

    def do_contacts(self) -> None:
        self._list("contacts")

    def do_record(self) -> None:
        plural = self.rng.choice([p for p, ids in self.seen.items() if ids] or ["leads"])
        if not self.seen[plural]:
            self._list(plural)
        if self.seen[plural]:
            self.request(f"{plural[:-1]} page", f"/{plural}/{self.rng.choice(self.seen[plural])}")

    def do_search(self) -> None:
        self.request("search", "/search?" + urllib.parse.urlencode({"q": self.rng.choice(WORDS)}))

    def do_board(self) -> None:
        self.request("deal board", "/deals/board")

    def do_create(self) -> None:
        self.request("new lead form", "/leads/new")
        self.created += 1
        title = f"Load lead {self.email.split('@')[0]}-{self.created}-{self.rng.randrange(10**6)}"
        self.request("create lead", "/leads/new", {"title": title, "source": "Website"})
