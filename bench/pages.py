"""The pages the load test visits, one at a time: SQL statements per view (exact) and time per view
(best, median, p95; and the median of the process's CPU time), against a trivial page (/healthz)
in the same run.

    .venv/bin/python -m bench.pages --db sqlite
    .venv/bin/python -m bench.pages --db postgresql --runs 30
    .venv/bin/python -m bench.pages --db sqlite --show dashboard     # the page's statements, grouped

Seeds the load test's world (bench/_load_world.py: 50 people with realistic roles, 6 leads,
3 contacts and 2 deals each, the leads' "Qualify lead" tasks in the inboxes), then, in one
process through Flask's test client, views every page as a manager (own records) and as a head
of department (a team's records). Pages are visited round-robin, so a busy moment of the shared
machine falls on all of them alike. Statement counts are SQLAlchemy `before_cursor_execute`
events of one view; they do not depend on the load. Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from sqlalchemy import event

from bench._support import make_database, p95

PAGES = ("baseline /healthz", "dashboard", "inbox", "inbox task", "lead list", "deal list", "contact list",
         "lead page", "deal page", "contact page", "search", "deal board", "new lead form")


class Statements:
    """Counts (and, when asked, keeps) the SQL statements of the process."""

    def __init__(self, keep: bool = False) -> None:
        self.count, self.keep, self.seen = 0, keep, []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.count += 1
        if self.keep:
            self.seen.append(statement)


def paths_for(app: object, user_id: int) -> dict[str, str]:
    """Each page's address for this person: their first task, record and so on."""
    from crm.services.records import list_records
    from engine.inbox_view import list_inbox
    from extensions import db
    from org.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        first = {e: list_records(e, actor=user, sort="-id", limit=1).items[0].id
                 for e in ("lead", "deal", "contact")}
        task = list_inbox(user, limit=1).items[0].id
        db.session.remove()
    return {"baseline /healthz": "/healthz", "dashboard": "/", "inbox": "/inbox",
            "inbox task": f"/inbox/{task}", "lead list": "/leads", "deal list": "/deals",
            "contact list": "/contacts", "lead page": f"/leads/{first['lead']}",
            "deal page": f"/deals/{first['deal']}", "contact page": f"/contacts/{first['contact']}",
            "search": "/search?q=northwind", "deal board": "/deals/board", "new lead form": "/leads/new"}


def measure(app: object, user_id: int, runs: int, counter: Statements) -> dict[str, tuple[int, list, list]]:
    """Statements of one view, wall and CPU ms per view of each page, `runs` rounds after 2
    warm-up rounds (CPU time: this process's, what a loaded machine's waits leave out)."""
    from extensions import db
    from org.models import User
    from tests.support.browser import session_client

    paths = paths_for(app, user_id)
    with app.app_context():
        client = session_client(app, db.session.get(User, user_id), admin_mode=False)
        db.session.remove()
    out: dict[str, tuple[int, list, list]] = {name: (0, [], []) for name in PAGES}
    for i in range(runs + 2):
        for name in PAGES:
            before = counter.count
            started, cpu = time.perf_counter(), time.process_time()
            answer = client.get(paths[name])
            ms, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{name} {paths[name]}: {answer.status_code}")
            if i >= 2:
                out[name] = (counter.count - before, out[name][1] + [ms], out[name][2] + [cpu_ms])
    return out


def show(app: object, user_id: int, page: str, counter: Statements) -> None:
    """Print one view's statements, the same statement (literals aside) grouped with its count."""
    from extensions import db
    from org.models import User
    from tests.support.browser import session_client

    path = paths_for(app, user_id)[page]
    with app.app_context():
        client = session_client(app, db.session.get(User, user_id), admin_mode=False)
        db.session.remove()
    client.get(path)
    counter.keep, counter.seen = True, []
    client.get(path)
    counter.keep = False
    print(f"{page} ({path}): {len(counter.seen)} statements")
    for text, n in Counter(re.sub(r"\s+", " ", s)[:220] for s in counter.seen).most_common():
        print(f"  {n:3} x {text}")


def seed(url: str, users: int, records: int) -> tuple[object, dict[str, int]]:
    """The load test's world, its tasks started; the app and the people whose views are measured."""
    from bench._load_world import build
    from bench._support import bench_app
    from engine.runtime import run_pending
    from extensions import db

    people = build(url, users, records)
    app = bench_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        run_pending()
        db.session.remove()
    manager = next(p for p in people if p["role"] == "manager")
    head = next(p for p in people if p["role"] == "head_of_department")
    return app, {"manager (own records)": manager["id"], "head of department (a team)": head["id"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--records", type=int, default=6, help="leads per person (as bench/load.py)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--show", choices=PAGES, help="print one page's statements instead (as the manager)")
    args = parser.parse_args()

    from sqlalchemy.engine import Engine

    counter = Statements()
    url, drop = make_database(args.db)
    try:
        started = time.monotonic()
        app, actors = seed(url, args.users, args.records)
        print(f"\n{args.db}: {args.users} people seeded in {time.monotonic() - started:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        event.listen(Engine, "before_cursor_execute", counter)
        if args.show:
            show(app, next(iter(actors.values())), args.show, counter)
            return
        print(f"{args.runs} views of each page per person, round-robin\n")
        print(f"  {'page':20} {'statements':>10} {'best':>9} {'median':>9} {'p95':>9} {'CPU p50':>9}"
              "  median / baseline's")
        for label, uid in actors.items():
            print(f"  {label}")
            results = measure(app, uid, args.runs, counter)
            base = statistics.median(results[PAGES[0]][1])
            for name, (statements, ms, cpu) in results.items():
                median = statistics.median(ms)
                print(f"  {name:20} {statements:10} {min(ms):6.1f} ms {median:6.1f} ms {p95(ms):6.1f} ms"
                      f" {statistics.median(cpu):6.1f} ms  {median / base:5.1f}x")
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        if event.contains(Engine, "before_cursor_execute", counter):
            event.remove(Engine, "before_cursor_execute", counter)
        drop()


if __name__ == "__main__":
    main()
