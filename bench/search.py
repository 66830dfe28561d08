"""Global search over many records with the rights filter: median and p95 latency for a manager,
a head of department and the chief executive, next to the same search with no rights filter.

    .venv/bin/python bench/search.py --db sqlite --rows 1000000
    .venv/bin/python bench/search.py --db postgresql --rows 1000000

Builds a throw-away database (bench/access_lists.py's department tree: 500 managers in 50 teams
under 10 divisions), bulk-inserts leads, contacts, companies, deals and tasks in SQL (40/20/10/20/10
per cent; titles drawn from 50,000 made-up words, one record in five also says "service"), indexes
them with `crm.search.index.rebuild` (what `flask search rebuild` runs), then times `search_records`
-- the call behind GET /api/v1/search -- inside a fresh request each time, as in real use. Words:
a rare one (a few dozen records), a common one (a fifth of all records), and two letters typed
(a prefix matching most of the index). On PostgreSQL it also shows the search without the copied
access attributes (records joined back only), and ranking every match instead of capped
candidates. Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from sqlalchemy import text

from bench._support import bench_app, make_database, p95
from bench.access_lists import build_org

VOCABULARY = 50_000
SHARES = {"lead": 0.4, "contact": 0.2, "company": 0.1, "deal": 0.2, "task": 0.1}
COMMON = "service"
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "do", "gu", "sa", "be", "fi", "ho",
             "xa", "qu", "wy", "ja", "ce")


def make_words(n: int) -> list[str]:
    rng = random.Random(7)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))))
    return sorted(words)


# Per entity: the INSERT columns and the SELECT expressions ({a}, {b}: words; {common}: " service"
# for one record in five; {status}: a status cycling with g).
TABLES = {
    "lead": ("title, first_name, last_name, company_name, status, source, currency, comments",
             "'Lead ' || {a} || ' ' || {b} || {common}, {b}, {a}, '', {status}, '', '', ''"),
    "contact": ("first_name, last_name, position", "{a}, {b} || {common}, ''"),
    "company": ("title, industry", "{a} || ' ' || {b} || {common}, ''"),
    "deal": ("title, stage, currency, closed", "'Deal ' || {a} || ' ' || {b} || {common}, {stage}, '', "
             "{false}"),
    "task": ("title, description, status", "'Call ' || {a}, 'About ' || {b} || {common}, 'open'"),
}
STATUSES = ("NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK")
STAGES = ("NEW", "PROPOSAL", "NEGOTIATION", "WON", "LOST")


def _case(values: tuple[str, ...]) -> str:
    return "CASE g % 5 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(values)) + " END"


def load_records(db: object, rows: int, people: list) -> dict[str, int]:
    """Insert `rows` records over the five types, owned round-robin by `people`; counts per type."""
    from org.models import User

    conn = db.session.connection()
    postgres = db.engine.dialect.name == "postgresql"
    owners = [(i, u.id, u.primary_department.path)
              for i, u in enumerate(db.session.get(User, p.id) for p in people)]
    conn.execute(text("CREATE TEMPORARY TABLE bench_owner (idx INTEGER PRIMARY KEY, user_id INTEGER, "
                      "path TEXT)"))
    conn.execute(text("INSERT INTO bench_owner VALUES (:i, :u, :p)"),
                 [{"i": i, "u": u, "p": p} for i, u, p in owners])
    conn.execute(text("CREATE TEMPORARY TABLE bench_word (idx INTEGER PRIMARY KEY, word TEXT)"))
    conn.execute(text("INSERT INTO bench_word VALUES (:i, :w)"),
                 [{"i": i, "w": w} for i, w in enumerate(make_words(VOCABULARY))])
    counts = {}
    for entity, share in SHARES.items():
        n = int(rows * share)
        counts[entity] = n
        conn.execute(text(_insert_sql(entity, n, len(owners), postgres)))
    conn.execute(text("INSERT INTO record_email (entity, record_id, email, position) "
                      "SELECT 'contact', id, first_name || '.' || id || '@example.com', 0 FROM contact"))
    db.session.commit()
    return counts


def _insert_sql(entity: str, n: int, owners: int, postgres: bool) -> str:
    from crm.entities import REGISTRY

    table = REGISTRY[entity].model.__table__
    columns, values = TABLES[entity]
    common = f"CASE WHEN g % 5 = 0 THEN ' {COMMON}' ELSE '' END"
    values = values.format(a="wa.word", b="wb.word", common=common, status=_case(STATUSES),
                           stage=_case(STAGES), false="false" if postgres else "0")
    has_phones = "phones" in table.c
    phones = ("'[]'::json, " if postgres else "'[]', ") if has_phones else ""
    extra = ("phones, " if has_phones else "") + \
        "created_at, updated_at, responsible_id, created_by_id, dept_path"
    source = f"generate_series(1, {n}) AS g" if postgres else "seq"
    prefix = "" if postgres else \
        f"WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < {n}) "
    return (f"{prefix}INSERT INTO {table.name} ({columns}, {extra}) "
            f"SELECT {values}, {phones}CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, o.user_id, o.user_id, o.path "
            f"FROM {source} JOIN bench_owner o ON o.idx = g % {owners} "
            f"JOIN bench_word wa ON wa.idx = g % {VOCABULARY} "
            f"JOIN bench_word wb ON wb.idx = ({'g::bigint' if postgres else 'g'} * 7919 + 13) % {VOCABULARY}")


def index_all(db: object) -> float:
    from crm.search.index import rebuild

    started = time.perf_counter()
    last = [0.0]

    def progress(entity: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10 or done == total:
            last[0] = time.perf_counter()
            print(f"    indexed {entity}: {done:,}/{total:,}", flush=True)

    rebuild(progress)
    elapsed = time.perf_counter() - started
    # What autovacuum would have done by now (visibility map, statistics).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
    return elapsed


def time_search(app: object, user_id: int, q: str, runs: int, **kw: object) -> tuple[list[float], int]:
    from crm.access import rights_of
    from crm.search.query import search_records
    from extensions import db
    from org.models import User

    timings, count = [], 0
    for i in range(runs + 3):
        with app.test_request_context("/api/v1/search"):
            user = db.session.get(User, user_id)
            rights_of(user)  # loaded once per request whatever the page does: timed apart
            started = time.perf_counter()
            result = search_records(q, actor=user, limit=20, **kw)
            elapsed = time.perf_counter() - started
            count = len(result.hits)
            db.session.remove()
        if i >= 3:  # warm-up runs first
            timings.append(elapsed * 1000)
    return timings, count


def time_rights(app: object, user_id: int, runs: int) -> list[float]:
    from crm.access import rights_of
    from extensions import db
    from org.models import User

    timings = []
    for _ in range(runs):
        with app.test_request_context("/api/v1/search"):
            user = db.session.get(User, user_id)
            started = time.perf_counter()
            rights_of(user)
            timings.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    return timings


def rank_everything(app: object, q: str, runs: int) -> list[float]:
    """No cap, no rights: rank every match and keep the best 20 (what the design avoids)."""
    from crm.search.models import fts_table
    from crm.search.text import fts5_query, query_words, tsquery
    from extensions import db

    terms = query_words(q)
    timings = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            sql = text("SELECT id FROM search_document WHERE tsv @@ to_tsquery('simple', :q) ORDER BY "
                       "ts_rank(tsv, to_tsquery('simple', :q)) DESC LIMIT 20").bindparams(q=tsquery(terms))
        else:
            union = " UNION ALL ".join(
                f"SELECT rowid, bm25({t}, 10.0, 1.0) AS score FROM {t} WHERE {t} MATCH :q"
                for t in (fts_table(e) for e in SHARES))
            sql = text(f"SELECT rowid FROM ({union}) ORDER BY score LIMIT 20").bindparams(q=fts5_query(terms))
        for i in range(runs + 1):
            started = time.perf_counter()
            db.session.execute(sql).all()
            if i:
                timings.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return timings


def matches(app: object, q: str) -> int:
    from crm.search.models import fts_table
    from crm.search.text import fts5_query, query_words, tsquery
    from extensions import db

    terms = query_words(q)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            sql = text("SELECT count(*) FROM search_document WHERE tsv @@ to_tsquery('simple', :q)")
            return db.session.scalar(sql.bindparams(q=tsquery(terms)))
        return sum(db.session.scalar(text(f"SELECT count(*) FROM {t} WHERE {t} MATCH :q"),
                                     {"q": fts5_query(terms)}) for t in (fts_table(e) for e in SHARES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
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
            started = time.perf_counter()
            counts = load_records(db, args.rows, people)
            loaded = time.perf_counter() - started
            print(f"\n{args.db}: {sum(counts.values()):,} records inserted in {loaded:.1f} s "
                  f"({', '.join(f'{n:,} {e}' for e, n in counts.items())}); indexing:", flush=True)
            indexed = index_all(db)
            ids = {label: u.id for label, u in users.items()}
            db.session.remove()
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  index built by `rebuild` in {indexed:.1f} s; {args.runs} runs each "
              f"(machine load average {load} on {os.cpu_count()} CPUs)\n")
        report(app, ids, args)
    finally:
        drop()
        if url.startswith("sqlite:///"):  # the throw-away file is ~700 MB at 1,000,000 records
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


def report(app: object, ids: dict, args: argparse.Namespace) -> None:
    from extensions import db

    rare = make_words(VOCABULARY)[4242]
    words = [(f"rare word ({rare!r})", rare), (f"common word ({COMMON!r})", COMMON),
             ("two letters typed ('ka')", "ka")]
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    print("  loading the user's rights (once per request, not included below):")
    for label, uid in ids.items():
        timings = time_rights(app, uid, args.runs)
        print(f"    {label:52} {'':5} {statistics.median(timings):10.2f} {p95(timings):8.2f}")
    print()
    for title, q in words:
        print(f"  {title}: {matches(app, q):,} matching records")
        print(f"    {'who':52} {'hits':>5} {'median ms':>10} {'p95 ms':>8}")
        forced = [(" [GIN forced]", {"strategy": "gin"}), (" [no GIN forced]", {"strategy": "scan"})]
        variants = [("", {})] + (forced if postgres else [])
        for label, uid in ids.items():
            for suffix, kw in variants:
                if suffix and label.startswith("no rights"):
                    continue
                timings, count = time_search(app, uid, q, args.runs, **kw)
                print(f"    {label + suffix:52} {count:5d} {statistics.median(timings):10.2f} "
                      f"{p95(timings):8.2f}", flush=True)
        everything = rank_everything(app, q, max(5, args.runs // 3))
        label = "(rank every match, no cap, no rights)"
        print(f"    {label:52} {'':5} {statistics.median(everything):10.2f} {p95(everything):8.2f}\n",
              flush=True)


if __name__ == "__main__":
    main()
