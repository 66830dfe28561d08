"""Inbox queries over many human tasks: first page and counts for a person, median and p95.

    .venv/bin/python bench/inbox.py --db sqlite --tasks 200000
    .venv/bin/python bench/inbox.py --db postgresql --tasks 200000

Builds a throw-away database, 20 departments of 25 people, and bulk-inserts human_task rows
(80% completed or cancelled, the rest open; of the open ones half assigned to a person, half
offered to a department as a candidate group, every tenth also to a candidate user), then times
`list_inbox` + `tasks_to_dicts` (what GET /api/v1/inbox runs) and `inbox_counts` for one person.
Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from sqlalchemy import insert

DEPARTMENTS, PEOPLE = 20, 25
BATCH = 5000


def build(db: object, tasks: int) -> tuple[int, float]:
    """People, departments, 100 instances and `tasks` human tasks; returns (user id, seconds)."""
    from engine.models import HumanTask, HumanTaskCandidate
    from org.services.departments import create_department
    from org.services.users import create_user
    from tests.support.engine_rows import make_instance

    people, departments = [], []
    for d in range(DEPARTMENTS):
        dep = create_department(f"Department {d}", actor=None)
        departments.append(dep.id)
        people += [create_user(f"p{d}.{i}@bench.test", None, actor=None, department_id=dep.id).id
                   for i in range(PEOPLE)]
    instances = [make_instance(None, None, key="bench").id for _ in range(100)]
    rng = random.Random(7)
    started = time.perf_counter()
    for first in range(0, tasks, BATCH):
        rows, cands = [], []
        for n in range(first, min(first + BATCH, tasks)):
            state = rng.choice(("completed", "cancelled", "completed", "completed", "open"))
            group = rng.random() < 0.5
            rows.append({"id": n + 1, "instance_id": instances[n % 100], "task_uuid": f"t{n}",
                         "element_id": "Review", "name": f"Review {n}", "form": [], "state": state,
                         "assignee_id": None if group else rng.choice(people)})
            if state != "open":
                continue  # closing a task deletes its candidate rows (engine.inbox.close_row)
            if group:
                cands.append({"human_task_id": n + 1, "group_key": f"department:{rng.choice(departments)}"})
            if rng.random() < 0.1:
                cands.append({"human_task_id": n + 1, "user_id": rng.choice(people)})
        db.session.execute(insert(HumanTask), rows)
        db.session.execute(insert(HumanTaskCandidate), cands)
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE")
    db.session.commit()
    return people[3], time.perf_counter() - started


def timed(fn: object, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs + 3):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples = sorted(samples[3:])
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    os.environ["FLOWDESK_TEST_DB"] = args.db
    from tests.support.databases import create_database

    url, cleanup = create_database()
    try:
        run(url, args)
    finally:
        cleanup()


def run(url: str, args: argparse.Namespace) -> None:
    import config
    from app import create_app
    from runner import prepare_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.sqlite_engine_options(url)})
    prepare_database(app)
    with app.app_context():
        from engine.inbox_view import inbox_counts, list_inbox, tasks_to_dicts
        from extensions import db
        from org.models import User

        user_id, seconds = build(db, args.tasks)
        print(f"{args.db}: {args.tasks} human tasks inserted in {seconds:.1f} s")
        user = db.session.get(User, user_id)

        def page() -> None:
            tasks_to_dicts(list_inbox(user, limit=50).items, actor=user)

        items = len(list_inbox(user, limit=50).items)
        for label, fn in (("GET /inbox first page (mine + groups)", page),
                          ("inbox counts (mine, groups)", lambda: inbox_counts(user))):
            p50, p95 = timed(fn, args.runs)
            print(f"  {label:40s} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
        print(f"  items on the first page: {items}; counts: {inbox_counts(user)}")


if __name__ == "__main__":
    main()
