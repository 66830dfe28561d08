"""Many users at once: simulated people with their own accounts and roles over real HTTP.

    .venv/bin/python -m bench load                                  # both set-ups, 5 minutes each
    .venv/bin/python -m bench.load --db sqlite --duration 120 --users 50
    .venv/bin/python -m bench.load --db sqlite --smoke              # a few users, a few seconds

SQLite: one `python app.py` (embedded worker). PostgreSQL: gunicorn (2 processes x 4 threads),
a Celery worker (2 processes) and Redis. The world (bench/_load_world.py): a company with four
sales teams, a chief executive, an administrator, a head per team and managers, each with their
own leads, contacts and deals (and "Qualify lead" tasks in their inbox). Every user logs in and
runs rounds of the pages (bench/_load_user.py: dashboard, inbox, a task opened and completed, the
lead, deal and contact lists, a record page, search, the deal board, a lead created) with think
times. Printed per page kind and overall: p50 and p95, requests/s, errors (5xx, refused, or
"database is locked"); the baseline is the same rounds by one user alone, in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load_user import Stats, User
from bench._load_world import PASSWORD, build
from bench._support import make_database, pct
from bench.e2e import Rig
from bench.e2e_support import start, stop, wait_for


def run_users(base: str, people: list[dict], duration: float, think: float) -> tuple[Stats, Stats, float]:
    """Everyone logs in (a ramp), then all run rounds for `duration` seconds, each in a thread of
    their own; (the logins' stats, the rounds' stats, wall seconds of the rounds)."""
    logins, stats, clock = Stats(), Stats(), []
    gate = threading.Barrier(len(people) + 1, action=lambda: clock.append(time.monotonic()))
    start = (gate, clock, duration)
    threads = [threading.Thread(target=_user, args=(base, p, (logins, stats), think, start, n), daemon=True)
               for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
        time.sleep(min(0.05, think / 10))  # a ramp, not 50 logins in one instant
    gate.wait()
    for thread in threads:
        thread.join()
    return logins, stats, time.monotonic() - clock[0]


def _user(base: str, person: dict, stats: tuple[Stats, Stats], think: float, start: tuple, seed: int) -> None:
    """Log in, wait for everyone else, run rounds until the duration is over."""
    gate, clock, duration = start
    user = User(base, person["email"], PASSWORD, stats[0], think, seed)
    try:
        user.login()
    except Exception as exc:  # a user that could not log in is an error of the run
        stats[0].errors.append(f"user {person['email']} could not log in: {exc!r}")
        gate.wait()
        return
    gate.wait()
    user.stats = stats[1]
    try:
        while time.monotonic() < clock[0] + duration:
            user.round()
    except Exception as exc:  # a user that crashed is an error of the run
        with stats[1].lock:
            stats[1].errors.append(f"user {person['email']} stopped: {exc!r}")


def baseline(base: str, person: dict, rounds: int) -> Stats:
    """The same rounds of pages by one user alone, no think time."""
    stats = Stats()
    user = User(base, person["email"], PASSWORD, stats, 0.0, 7)
    user.login()
    for _ in range(rounds):
        user.round()
    return stats


def report(label: str, base: Stats, load: Stats, seconds: float, users: int) -> dict:
    """Print p50/p95 per page kind against the baseline; the figures as a dict."""
    every = [ms for values in load.ms.values() for ms in values]
    print(f"  {label}: {users} users, {seconds:.0f} s, {len(every)} requests, "
          f"{len(every) / seconds:.1f} requests/s, errors {len(load.errors)}, "
          f"4xx {sum(load.rejected.values())}")
    print(f"    {'page':<16} {'n':>6} {'4xx':>4} {'p50 ms':>8} {'p95 ms':>8}   "
          f"{'alone p50':>9} {'alone p95':>9}")
    rows = {}
    for kind in sorted(load.ms, key=lambda k: -pct(load.ms[k], 0.95)):
        values, alone = load.ms[kind], base.ms.get(kind) or [float("nan")]
        rows[kind] = {"n": len(values), "p50": pct(values, 0.5), "p95": pct(values, 0.95),
                      "alone_p50": pct(alone, 0.5), "alone_p95": pct(alone, 0.95)}
        print(f"    {kind:<16} {len(values):6d} {load.rejected.get(kind, 0):4d} {rows[kind]['p50']:8.1f} "
              f"{rows[kind]['p95']:8.1f}   {rows[kind]['alone_p50']:9.1f} {rows[kind]['alone_p95']:9.1f}")
    alone = [ms for values in base.ms.values() for ms in values]
    print(f"    {'overall':<16} {len(every):6d} {'':4} {pct(every, 0.5):8.1f} {pct(every, 0.95):8.1f}   "
          f"{pct(alone, 0.5):9.1f} {pct(alone, 0.95):9.1f}")
    for error in load.errors[:10] + base.errors[:10]:
        print(f"    error: {error}")
    for kind, sample in load.samples.items():
        print(f"    first 4xx of {kind}: {sample}")
    return {"pages": rows, "errors": load.errors + base.errors, "rejected": dict(load.rejected),
            "requests": len(every), "seconds": seconds}


def serve(rig: Rig, server: str) -> None:
    """The web server (scaled: and a Celery worker and beat, whose sweep relays the seeded events,
    in `rig.beat`); returns once the seeded leads wait at their first task."""
    worker = None
    if server == "scaled":  # the worker starts while the web server does
        worker = threading.Thread(target=rig.start_worker, args=(2,))
        worker.start()
        rig.beat = start([sys.executable, "-m", "celery", "-A", "app", "beat", "-l", "warning",
                      "-s", str(rig.work / "beat-schedule")], rig.env, rig.work / "beat.log")
    rig.start_web()
    if worker is not None:
        worker.join()
    leads = rig.probe._one("SELECT count(*) FROM lead")[0]
    wait_for(lambda: rig.probe.count("waiting") >= leads, 150, "the seeded leads' tasks", 0.2)


def run(args: argparse.Namespace) -> dict:
    url, drop = make_database(args.db)
    work = Path(tempfile.mkdtemp(prefix="flowdesk-bench-load-"))
    server = args.server or ("embedded" if args.db == "sqlite" else "scaled")
    rig = Rig("postgresql" if server == "scaled" else "sqlite", url, work)
    rig.env.pop("FLOWDESK_EXTRA_MODULES")  # no statement counting on the measured path
    os.environ.update(FLOWDESK_INSTANCE=rig.env["FLOWDESK_INSTANCE"], SECRET_KEY=rig.env["SECRET_KEY"])
    rig.beat = None
    try:
        started = time.monotonic()
        people = build(url, args.users, args.records)
        seeded = time.monotonic()
        serve(rig, server)
        print(f"  seeded in {seeded - started:.0f} s; server up, seeded work drained in "
              f"{time.monotonic() - seeded:.0f} s", flush=True)
        base = baseline(rig.http.base, people[-1], args.baseline_rounds)
        logins, stats, seconds = run_users(rig.http.base, people, args.duration, args.think)
        label = "python app.py (SQLite)" if server == "embedded" else "gunicorn + Celery + Redis"
        login_ms = logins.ms["login"] or [0.0]
        print(f"  {len(people)} logins (a ramp of {len(people) * min(0.05, args.think / 10):.1f} s): p50 "
              f"{pct(login_ms, 0.5):.0f} ms, p95 {pct(login_ms, 0.95):.0f} ms (password hashing), "
              f"errors {len(logins.errors)}")
        result = report(f"{label} on {args.db}", base, stats, seconds, len(people))
        result["errors"] += logins.errors
        result["logins"] = len(logins.ms["login"])
        return result
    finally:
        if rig.beat is not None:
            stop(rig.beat)
        rig.stop_all()
        rig.probe.close()
        drop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--server", choices=("embedded", "scaled"), help="default: by --db")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time, seconds")
    parser.add_argument("--records", type=int, default=6, help="leads per user at the start")
    parser.add_argument("--baseline-rounds", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="3 users, 2 s, short think times")
    parser.add_argument("--json", help="write the figures to this file")
    args, _ = parser.parse_known_args(argv)
    if args.smoke:
        args.users, args.duration, args.think, args.records, args.baseline_rounds = 3, 2, 0.05, 1, 1
    result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
