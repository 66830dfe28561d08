"""The sales funnel over many deals with rights: for a manager, a head of department, the chief
executive and an administrator, next to a baseline in the same run (a plain COUNT(*), SUM(amount)
GROUP BY stage over the whole table, no rights, no history).

    .venv/bin/python bench/funnel.py --db sqlite                 # 200,000 deals (the default)
    .venv/bin/python bench/funnel.py --db postgresql --rows 1000000

Builds a throw-away database, the org of bench/access_lists.py (10 divisions x 5 teams x 10
people), bulk-inserts the deals in SQL spread over those people and the last year, with their
stage history (NEW for all, then PROPOSAL, NEGOTIATION, WON or LOST as far as each got: about
2.6 history rows a deal), then times `crm.reports.funnel.funnel` -- the call behind
GET /api/v1/reports/funnel -- in a fresh request each time, and prints median and p95.
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

BASELINE = "SELECT stage, COUNT(*), SUM(amount) FROM deal GROUP BY stage"
STAGES = ("NEW", "PROPOSAL", "NEGOTIATION", "WON", "LOST")


PATHS = {"NEW": ("NEW",), "PROPOSAL": ("NEW", "PROPOSAL"),
         "NEGOTIATION": ("NEW", "PROPOSAL", "NEGOTIATION"),
         "WON": ("NEW", "PROPOSAL", "NEGOTIATION", "WON"), "LOST": ("NEW", "LOST")}


def _seq(postgres: bool, rows: int) -> str:
    if postgres:
        return f"generate_series(1, {rows}) AS g"
    return (f"(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {rows}) "
            "SELECT g FROM s)")


def _insert_deals(conn: object, postgres: bool, rows: int, owners: int) -> None:
    stage = "CASE g % 5 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(STAGES)) + " END"
    created = ("CURRENT_TIMESTAMP - (g % 365) * INTERVAL '1 day'" if postgres
               else "datetime('now', '-' || (g % 365) || ' days')")
    phones = "'[]'::json" if postgres else "'[]'"
    conn.execute(text(
        "INSERT INTO deal (title, stage, amount, currency, closed, created_at, updated_at, phones, version, "
        "responsible_id, created_by_id, dept_path) "
        f"SELECT 'Deal ' || g, {stage}, g % 1000, '', g % 5 >= 3, {created}, {created}, {phones}, 1, "
        f"o.user_id, o.user_id, o.path FROM {_seq(postgres, rows)} "
        f"JOIN bench_owner o ON o.idx = g % {owners}"))


def _insert_history(conn: object, postgres: bool) -> None:
    """Each deal's path to its current stage, three days a stage."""
    def at(n: int) -> str:
        if postgres:
            return f"created_at + {n} * INTERVAL '3 days'"
        return f"datetime(created_at, '+{3 * n} days')"

    for current, path in PATHS.items():
        for k, code in enumerate(path):
            before = f"'{path[k - 1]}'" if k else "NULL"
            left = at(k + 1) if k + 1 < len(path) else "NULL"
            conn.execute(text(
                "INSERT INTO stage_history (entity, record_id, from_status, to_status, changed_at, left_at) "
                f"SELECT 'deal', id, {before}, '{code}', {at(k)}, {left} "
                f"FROM deal WHERE stage = '{current}'"))


def load_deals(db: object, rows: int, people: list) -> float:
    """Insert `rows` deals and their stage history in a few SQL statements; seconds taken."""
    from org.models import User

    owners = [(i, u.id, u.primary_department.path) for i, u in enumerate(db.session.get(User, p.id)
                                                                            for p in people)]
    started = time.perf_counter()
    conn = db.session.connection()
    postgres = db.engine.dialect.name == "postgresql"
    conn.execute(text("CREATE TEMPORARY TABLE bench_owner "
                      "(idx INTEGER PRIMARY KEY, user_id INTEGER, path TEXT)"))
    conn.execute(text("INSERT INTO bench_owner VALUES (:i, :u, :p)"),
                 [{"i": i, "u": u, "p": p} for i, u, p in owners])
    _insert_deals(conn, postgres, rows, len(owners))
    _insert_history(conn, postgres)
    db.session.commit()
    # VACUUM too, as autovacuum would: index-only scans need the visibility map (PostgreSQL).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
    return time.perf_counter() - started


def time_funnel(app: object, user_id: int, runs: int) -> tuple[list[float], int]:
    """ms per funnel over `runs` fresh requests (after warm-up), and the deals it counted."""
    from crm.reports.funnel import funnel
    from crm.reports.scope import Period
    from extensions import db
    from org.models import User

    times, total = [], 0
    for i in range(runs + 2):
        with app.test_request_context("/reports/funnel"):
            user = db.session.get(User, user_id)
            started = time.perf_counter()
            total = funnel("deal", Period(), actor=user)["total"]
            done = time.perf_counter()
            db.session.remove()
        if i >= 2:
            times.append((done - started) * 1000)
    return times, total


def time_baseline(app: object, runs: int) -> tuple[list[float], int]:
    """ms per plain GROUP BY stage over the whole table (no rights, no history)."""
    from extensions import db

    times, total = [], 0
    with app.app_context():
        for i in range(runs + 2):
            started = time.perf_counter()
            rows = db.session.execute(text(BASELINE)).all()
            done = time.perf_counter()
            total = sum(r[1] for r in rows)
            if i >= 2:
                times.append((done - started) * 1000)
        db.session.remove()
    return times, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from bench.access_lists import build_org
    from extensions import db
    from org.services.users import create_user

    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        with app.app_context():
            admin = create_user("admin@bench.test", None, actor=None, is_admin=True)
            users = build_org(admin)
            people = users.pop("_people")
            seconds = load_deals(db, args.rows, people)
            ids = {label: u.id for label, u in users.items()}
            db.session.remove()
        print(f"\n{args.db}: {args.rows:,} deals (+ stage history) loaded in {seconds:.1f} s; "
              f"{args.runs} runs each\n")
        print(f"    {'who':44} {'deals':>9} {'median':>10} {'p95':>10}")
        base, total = time_baseline(app, args.runs)
        print(f"    {'baseline: GROUP BY stage, no rights/history':44} {total:9,d} "
              f"{statistics.median(base):7.1f} ms {p95(base):7.1f} ms")
        for label, uid in ids.items():
            times, total = time_funnel(app, uid, args.runs)
            print(f"    {'funnel: ' + label:44} {total:9,d} {statistics.median(times):7.1f} ms "
                  f"{p95(times):7.1f} ms")
        print()
    finally:
        drop()


if __name__ == "__main__":
    main()
