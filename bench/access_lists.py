"""Rights-filtered lead lists over many rows: first page for a manager, a head of department and
the chief executive, next to the same query with no rights filter (a portal administrator).

    .venv/bin/python bench/access_lists.py --db sqlite --rows 1000000
    .venv/bin/python bench/access_lists.py --db postgresql --rows 1000000

Builds a throw-away database (an SQLite file, or a new PostgreSQL database), migrates it, creates
Company > 10 divisions > 5 teams with 500 people, bulk-inserts the leads in SQL (a recursive CTE on
SQLite, generate_series on PostgreSQL), then times `list_records` -- the same call the API and the
list pages make, inside a fresh request each time so the user's rights are loaded as in real use --
and prints median and p95, plus the query plan of each query; beside each page, the COUNT the
list pages show as their total (`count_records`, the same access-filtered query, counting at most
TOTAL_CAP + 1 rows as the pages do). Never part of
the test run.
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
from web.pages.records import TOTAL_CAP

DIVISIONS, TEAMS, PEOPLE_PER_TEAM = 10, 5, 10
STATUSES = ("NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK")




def build_org(admin: object) -> dict:
    """Departments, people and role assignments; returns the users the bench acts as."""
    from crm.rights.matrix import load_rights  # noqa: F401  (imports models)
    from crm.rights.services import add_assignment
    from org.services.departments import create_department
    from org.services.users import create_user
    from tests.support.access_world import role_id

    company = create_department("Company", actor=None)
    people = []
    heads = []
    for d in range(DIVISIONS):
        division = create_department(f"Division {d}", actor=None, parent_id=company.id)
        head = create_user(f"head{d}@bench.test", None, actor=None, department_id=division.id)
        heads.append(head)
        for t in range(TEAMS):
            team = create_department(f"Team {d}.{t}", actor=None, parent_id=division.id)
            for p in range(PEOPLE_PER_TEAM):
                people.append(create_user(f"m{d}.{t}.{p}@bench.test", None, actor=None,
                                          department_id=team.id))
    ceo = create_user("ceo@bench.test", None, actor=None, department_id=company.id)
    new_team = create_department("New team", actor=None, parent_id=company.id)
    heads.append(create_user("newhead@bench.test", None, actor=None, department_id=new_team.id))
    for head in heads:
        add_assignment(role_id("head_of_department"), {"user_id": head.id}, actor=admin)
    add_assignment(role_id("chief_executive"), {"user_id": ceo.id}, actor=admin)
    return {"manager": people[0], "head of department (10% of rows)": heads[0],
            "head of a department with no records": heads[-1], "chief executive": ceo,
            "no rights filter (administrator)": admin, "_people": people}


def load_leads(db: object, rows: int, people: list) -> float:
    """Insert `rows` leads spread evenly over `people` in one SQL statement; seconds taken."""
    from org.models import User

    owners = [(i, u.id, u.primary_department.path) for i, u in enumerate(db.session.get(User, p.id)
                                                                            for p in people)]
    started = time.perf_counter()
    conn = db.session.connection()
    conn.execute(text("CREATE TEMPORARY TABLE bench_owner "
                      "(idx INTEGER PRIMARY KEY, user_id INTEGER, path TEXT)"))
    conn.execute(text("INSERT INTO bench_owner VALUES (:i, :u, :p)"),
                 [{"i": i, "u": u, "p": p} for i, u, p in owners])
    n = len(owners)
    status = "CASE g % 5 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(STATUSES)) + " END"
    columns = ("title, first_name, last_name, company_name, status, source, currency, comments, "
               "created_at, updated_at, phones, responsible_id, created_by_id, dept_path")
    postgres = db.engine.dialect.name == "postgresql"
    phones = "'[]'::json" if postgres else "'[]'"
    values = (f"'Lead ' || g, '', '', '', {status}, '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
              f"{phones}, o.user_id, o.user_id, o.path")
    if postgres:
        sql = (f"INSERT INTO lead ({columns}) SELECT {values} "
               f"FROM generate_series(1, {rows}) AS g JOIN bench_owner o ON o.idx = g % {n}")
    else:
        sql = (f"WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < {rows}) "
               f"INSERT INTO lead ({columns}) SELECT {values} FROM seq JOIN bench_owner o ON o.idx = g % {n}")
    conn.execute(text(sql))
    db.session.commit()
    with db.engine.connect() as c:
        c.execute(text("ANALYZE"))
        c.commit()
    return time.perf_counter() - started


def plan(db: object, stmt: object) -> str:
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    # PostgreSQL: the compiled text keeps psycopg's %% escaping, which the driver undoes.
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(prefix + sql).all()
    return "\n".join("      " + str(r[-1]) for r in rows)


def time_list(app: object, user_id: int, filters: dict, runs: int) -> tuple[list, list, int, list]:
    """(ms loading the user's rights, ms for the page itself, rows, ms for the total's COUNT) over
    `runs` fresh requests."""
    from crm.access import rights_of
    from crm.services.records import count_records, list_records
    from extensions import db
    from org.models import User

    loading, listing, count, counting = [], [], 0, []
    for i in range(runs + 3):
        with app.test_request_context("/leads"):
            user = db.session.get(User, user_id)
            started = time.perf_counter()
            rights_of(user)  # once per request, cached for the rest of it
            loaded = time.perf_counter()
            page = list_records("lead", actor=user, filters=dict(filters), limit=50)
            done = time.perf_counter()
            count_records("lead", actor=user, filters=dict(filters), cap=TOTAL_CAP)
            counted = time.perf_counter()
            count = len(page.items)
            db.session.remove()
        if i >= 3:  # warm-up runs first
            loading.append((loaded - started) * 1000)
            listing.append((done - loaded) * 1000)
            counting.append((counted - done) * 1000)
    return loading, listing, count, counting


def stmt_for(app: object, user_id: int, filters: dict) -> object:
    from crm.models import Lead
    from crm.services.records import select_records
    from extensions import db
    from org.models import User

    with app.test_request_context("/leads"):
        user = db.session.get(User, user_id)
        return select_records("lead", actor=user, filters=dict(filters)).order_by(Lead.id.desc()).limit(51)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print each query's plan")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = parser.parse_args()

    from extensions import db
    from org.services.users import create_user

    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        with app.app_context():
            admin = create_user("admin@bench.test", None, actor=None, is_admin=True)
            users = build_org(admin)
            people = users.pop("_people")
            seconds = load_leads(db, args.rows, people)
            ids = {label: u.id for label, u in users.items()}
            db.session.remove()
        print(f"\n{args.db}: {args.rows:,} leads loaded in {seconds:.1f} s "
              f"({len(people)} managers, {DIVISIONS} divisions x {TEAMS} teams); {args.runs} runs each\n")
        report(app, ids, args)
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop()


def report(app: object, ids: dict, args: argparse.Namespace) -> None:
    from extensions import db

    cases = [("all leads", {}), ("open leads (status NEW or IN_PROCESS)", {"status": "NEW,IN_PROCESS"})]
    for title, filters in cases:
        print(f"  first page (50, newest first) of {title}:")
        print(f"    {'who':38} {'rows':>4} {'page median':>11} {'page p95':>9} {'rights median':>14}"
              f" {'total median':>13}")
        for label, uid in ids.items():
            loading, listing, count, counting = time_list(app, uid, filters, args.runs)
            print(f"    {label:38} {count:4d} {statistics.median(listing):8.2f} ms {p95(listing):6.2f} ms"
                  f" {statistics.median(loading):11.2f} ms {statistics.median(counting):10.2f} ms")
            if args.plans:
                with app.app_context():
                    print(plan(db, stmt_for(app, uid, filters)))
        print()


if __name__ == "__main__":
    main()
