"""The deal board over many deals: the columns' counts and totals plus the first page of every
column, next to the deal list's first page (the plain list query) in the same run.

    .venv/bin/python bench/boards.py --db sqlite --rows 100000
    .venv/bin/python bench/boards.py --db postgresql --rows 100000

Builds a throw-away database, migrates it, creates a company with 5 teams of 10 managers (and a
head of department over the first team), bulk-inserts the deals in SQL spread over the people and
the default pipeline's five stages, then times, in a fresh request each run as the API does:
`boards.board` (one grouped query: count and amount per stage), `boards.column_page` per column
(20 cards each), and `records.list_records` (50 deals, newest first: the deal list's query).
Prints median and p95 per actor. Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from sqlalchemy import text

from bench._support import bench_app, make_database, p95

TEAMS, PEOPLE_PER_TEAM = 5, 10
STAGES = ("NEW", "PROPOSAL", "NEGOTIATION", "WON", "LOST")


def build_org(admin: object) -> tuple[dict, list]:
    """Teams of managers and a head of the first team; the actors the bench times."""
    from crm.rights.services import add_assignment
    from org.services.departments import create_department
    from org.services.users import create_user
    from tests.support.access_world import role_id

    company = create_department("Company", actor=None)
    people, head = [], None
    for t in range(TEAMS):
        team = create_department(f"Team {t}", actor=None, parent_id=company.id)
        if head is None:
            head = create_user("head@bench.test", None, actor=None, department_id=team.id)
            add_assignment(role_id("head_of_department"), {"user_id": head.id}, actor=admin)
        for p in range(PEOPLE_PER_TEAM):
            people.append(create_user(f"m{t}.{p}@bench.test", None, actor=None, department_id=team.id))
    actors = {"manager (own deals, 2%)": people[0], "head of department (20%)": head,
              "administrator (no rights filter)": admin}
    return actors, people


def load_deals(db: object, rows: int, people: list) -> float:
    """Insert `rows` deals over `people` and the stages in one SQL statement; seconds taken."""
    from crm.services.pipelines import default_pipeline
    from org.models import User

    owners = [(i, u.id, u.primary_department.path)
              for i, u in enumerate(db.session.get(User, p.id) for p in people)]
    pipeline_id = default_pipeline().id
    started = time.perf_counter()
    conn = db.session.connection()
    conn.execute(text("CREATE TEMPORARY TABLE bench_owner "
                      "(idx INTEGER PRIMARY KEY, user_id INTEGER, path TEXT)"))
    conn.execute(text("INSERT INTO bench_owner VALUES (:i, :u, :p)"),
                 [{"i": i, "u": u, "p": p} for i, u, p in owners])
    n = len(owners)
    stage = "CASE g % 5 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(STAGES)) + " END"
    postgres = db.engine.dialect.name == "postgresql"
    columns = ("title, stage, amount, currency, closed, pipeline_id, created_at, updated_at, phones, "
               "responsible_id, created_by_id, dept_path")
    values = (f"'Deal ' || g, {stage}, (g % 1000) * 10, CASE WHEN g % 10 = 0 THEN 'USD' ELSE 'EUR' END, "
              f"g % 5 >= 3, {pipeline_id}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
              f"{'%s' % (chr(39) + '[]' + chr(39) + ('::json' if postgres else ''))}, "
              "o.user_id, o.user_id, o.path")
    if postgres:
        sql = (f"INSERT INTO deal ({columns}) SELECT {values} "
               f"FROM generate_series(1, {rows}) AS g JOIN bench_owner o ON o.idx = g % {n}")
    else:
        sql = (f"WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < {rows}) "
               f"INSERT INTO deal ({columns}) SELECT {values} FROM seq JOIN bench_owner o ON o.idx = g % {n}")
    conn.execute(text(sql))
    db.session.commit()
    with db.engine.connect() as c:
        c.execute(text("ANALYZE"))
        c.commit()
    return time.perf_counter() - started


def time_actor(app: object, user_id: int, runs: int) -> dict[str, list[float]]:
    """ms per run of: the board's totals, its columns' first pages, and the plain list page."""
    from crm.access import rights_of
    from crm.services import boards
    from crm.services.records import list_records
    from extensions import db
    from org.models import User

    out: dict[str, list[float]] = {"totals": [], "first pages": [], "board (both)": [], "deal list": []}
    for i in range(runs + 3):
        with app.test_request_context("/api/v1/deals/board"):
            user = db.session.get(User, user_id)
            rights_of(user)
            t0 = time.perf_counter()
            board = boards.board("deal", actor=user, filters={})
            t1 = time.perf_counter()
            for col in board.columns:
                boards.column_page("deal", col["code"], actor=user, filters={}, limit=20)
            t2 = time.perf_counter()
            list_records("deal", actor=user, sort="-id", limit=50)
            t3 = time.perf_counter()
            db.session.remove()
        if i >= 3:  # warm-up runs first
            for name, ms in (("totals", t1 - t0), ("first pages", t2 - t1), ("board (both)", t2 - t0),
                             ("deal list", t3 - t2)):
                out[name].append(ms * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from extensions import db
    from org.services.users import create_user

    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        with app.app_context():
            admin = create_user("admin@bench.test", None, actor=None, is_admin=True)
            actors, people = build_org(admin)
            seconds = load_deals(db, args.rows, people)
            ids = {label: u.id for label, u in actors.items()}
            db.session.remove()
        print(f"\n{args.db}: {args.rows:,} deals loaded in {seconds:.1f} s; {args.runs} runs each "
              f"(5 columns x 20 cards; the list: 50 deals)\n")
        print(f"  {'who':34} {'part':14} {'median':>9} {'p95':>9}")
        for label, uid in ids.items():
            for part, values in time_actor(app, uid, args.runs).items():
                print(f"  {label:34} {part:14} {statistics.median(values):6.2f} ms {p95(values):6.2f} ms")
            print()
    finally:
        drop()


if __name__ == "__main__":
    main()
