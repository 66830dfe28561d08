"""Duplicate lookups over many records, and background import throughput.

    .venv/bin/python bench/dedupe.py --db sqlite --rows 200000
    .venv/bin/python bench/dedupe.py --db postgresql --rows 200000

Bulk-inserts companies (each with a phone and an e-mail key, every 100th a copy of another's
name) straight into the tables, then times `duplicates_for_input` (what the create form's
warning calls) for a phone in another format and for a company name, a manager's lookup (own
records: the rights filter applies) and the chief executive's; then imports 2,000 CSV rows
through the background import (`crm.run_import`) and prints rows per second. Never part of the
test run.
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

BATCH = 10_000


def load(db: object, rows: int, owner_id: int) -> None:
    """Companies n = 1..rows: "Firm <n> GmbH", phone +49 30 <n padded>, info<n>@firm.example."""
    conn = db.session.connection()
    for start in range(1, rows + 1, BATCH):
        ids = range(start, min(start + BATCH, rows + 1))
        conn.execute(text(
            "INSERT INTO company (id, title, industry, phones, do_not_email, version, created_at, "
            "updated_at, responsible_id, created_by_id, dept_path) "
            "VALUES (:id, :title, '', :phones, false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
            ":owner, :owner, '')"),
            [{"id": i, "title": f"Firm {i if i % 100 else i - 1} GmbH", "phones": f'["+49 30 {i:08d}"]',
              "owner": owner_id if i % 2 else None} for i in ids])
        conn.execute(text("INSERT INTO dedupe_key (entity, record_id, kind, key) VALUES "
                          "('company', :id, :kind, :key)"),
                     [k for i in ids for k in (
                         {"id": i, "kind": "phone", "key": f"+4930{i:08d}"},
                         {"id": i, "kind": "email", "key": f"info{i}@firm.example"},
                         {"id": i, "kind": "name", "key": f"firm {i if i % 100 else i - 1}"})])
    if db.engine.dialect.name == "postgresql":
        conn.execute(text("SELECT setval('company_id_seq', :n)"), {"n": rows})
        conn.execute(text("ANALYZE company; ANALYZE dedupe_key"))
    db.session.commit()


def time_lookup(app: object, user_id: int, runs: int, **query: str) -> tuple[list[float], int]:
    from crm.access import rights_of
    from crm.services.duplicates import duplicates_for_input
    from extensions import db
    from org.models import User

    timings, found = [], 0
    for i in range(runs + 3):
        with app.test_request_context("/companies/new/duplicates"):
            user = db.session.get(User, user_id)
            rights_of(user)
            started = time.perf_counter()
            found = len(duplicates_for_input("company", actor=user, **query))
            if i >= 3:
                timings.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    return timings, found


def time_groups(app: object, user_id: int) -> tuple[float, int]:
    """The duplicates page's query (groups sharing a key, first 100)."""
    from crm.services.duplicates import duplicate_groups
    from extensions import db
    from org.models import User

    with app.test_request_context("/companies/duplicates"):
        user = db.session.get(User, user_id)
        started = time.perf_counter()
        groups = duplicate_groups("company", actor=user)
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    return elapsed, len(groups)


def time_import(app: object, user_id: int, rows: int) -> float:
    from crm.services.imports import start_import, upload_import
    from crm.tasks import run_import
    from extensions import db
    from org.models import User
    from transactions import unit_of_work

    body = "title,phones\n" + "".join(f"Import {n} Ltd,+44 20 7{n:07d}\n" for n in range(rows))
    with app.app_context():
        with unit_of_work():
            user = db.session.get(User, user_id)
            job = upload_import("company", "bench.csv", body.encode(), actor=user)
            start_import(job.id, job.mapping, "skip", actor=user)
        started = time.perf_counter()
        run_import(job.id)
        return rows / (time.perf_counter() - started)


def _users(app: object) -> tuple[int, int]:
    from org.services.users import create_user
    from transactions import unit_of_work

    with app.app_context(), unit_of_work():
        boss = create_user("ceo@bench.example", None, actor=None, is_admin=True, first_name="C",
                           last_name="E")
        manager = create_user("m@bench.example", None, actor=None, first_name="M", last_name="A")
        return boss.id, manager.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=2_000)
    args = parser.parse_args()
    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        boss, manager = _users(app)
        with app.app_context():
            from extensions import db

            started = time.perf_counter()
            load(db, args.rows, manager)
            print(f"{args.rows} companies with 3 keys each loaded in {time.perf_counter() - started:.1f} s")
        cases = {"phone, national format": {"phone": f"030 {args.rows // 2:08d}"},
                 "company name with another legal form": {"title": f"FIRM {args.rows // 2 - 1} ltd."}}
        for label, query in cases.items():
            for who, uid in (("chief executive (all)", boss), ("manager (own records)", manager)):
                timings, found = time_lookup(app, uid, args.runs, **query)
                print(f"{label:40} {who:24} median {statistics.median(timings):6.2f} ms  "
                      f"p95 {p95(timings):6.2f} ms  ({found} found)")
        for who, uid in (("chief executive (all)", boss), ("manager (own records)", manager)):
            elapsed, count = time_groups(app, uid)
            print(f"duplicates page, {who:24} {elapsed:8.1f} ms ({count} groups)")
        print(f"background import: {time_import(app, manager, args.import_rows):.0f} rows/s "
              f"({args.import_rows} CSV rows, duplicate check per row)")
    finally:
        drop()


if __name__ == "__main__":
    main()
