"""More worker machines: a backlog drained by 1, 2 and 4 Celery worker processes against one
PostgreSQL and one Redis, with where each instance's CPU goes.

    .venv/bin/python -m bench scale --db postgresql
    .venv/bin/python -m bench.scale --backlog 300 --workers 1,2,4

The same rig as bench/e2e.py (gunicorn, Celery prefork, Redis, PostgreSQL; a lead starts a
script task and a user task). For each N: the backlog is created while no worker runs, then N
worker processes drain it. Printed per N: instances/s, CPU milliseconds per instance of the
worker processes, PostgreSQL and Redis (from /proc), the most PostgreSQL connections open at
once, and the lock waits PostgreSQL saw (pg_stat_activity). The per-part CPU is what says where
the limit moves with more machines: one core of PostgreSQL drains at most 1000 / (its ms per
instance) instances/s whatever the number of workers. SQLite: not run (one process embedded).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import make_database
from bench.e2e import Rig, create_many, prepare
from bench.e2e_support import group_cpu, named_cpu, stop, wait_for


class Watch:
    """Samples PostgreSQL's connections and lock waits every 50 ms while a drain runs."""

    def __init__(self, rig: Rig) -> None:
        import psycopg

        plain = rig.url.replace("postgresql+psycopg://", "postgresql://")
        self.conn = psycopg.connect(plain, autocommit=True)
        self.name = self.conn.info.dbname
        self.most = self.lock_waits = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        sql = ("SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') "
               "FROM pg_stat_activity WHERE datname = %s")
        while not self.done.wait(0.05):
            total, waiting = self.conn.execute(sql, (self.name,)).fetchone()
            self.most, self.lock_waits = max(self.most, total - 1), self.lock_waits + waiting

    def __enter__(self) -> Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.conn.close()


def drain(rig: Rig, count: int, workers: int) -> dict:
    """Create `count` leads with no worker running, then drain them with `workers` processes."""
    stop(rig.worker)
    rig.worker = None
    mark = rig.probe.max_instance_id()
    create_many(rig, count)
    rig.start_worker(workers)
    worker0, pg0, redis0 = group_cpu(rig.worker.pid), named_cpu("postgres"), named_cpu("redis-server")
    with Watch(rig) as watch:
        wait_for(lambda: rig.probe.count("waiting", after=mark) >= count, 900, "the drain", 0.05)
    per = {"worker": group_cpu(rig.worker.pid) - worker0, "postgres": named_cpu("postgres") - pg0,
           "redis": named_cpu("redis-server") - redis0}
    rate = count / rig.probe.span(after=mark)
    print(f"  {workers} worker process(es): {rate:6.1f} instances/s   CPU ms per instance: worker "
          f"{per['worker'] * 1000 / count:6.1f}, PostgreSQL {per['postgres'] * 1000 / count:5.1f}, Redis "
          f"{per['redis'] * 1000 / count:4.1f}   connections at most {watch.most}, lock-wait samples "
          f"{watch.lock_waits}", flush=True)
    return {"rate": rate, **{k: v * 1000 / count for k, v in per.items()}}


def run(backlog: int, workers: list[int]) -> None:
    url, drop = make_database("postgresql")
    work = Path(tempfile.mkdtemp(prefix="flowdesk-bench-scale-"))
    rig = Rig("postgresql", url, work)
    rig.env.pop("FLOWDESK_EXTRA_MODULES")  # no statement counting on the measured path
    try:
        prepare(rig)
        rig.start_worker(1)
        create_many(rig, 20)  # warm-up: imports, caches, connections
        print(f"  gunicorn + Celery prefork + Redis + PostgreSQL, backlog {backlog}; "
              "CPU of other programs on the machine is not counted, PostgreSQL's is (all its processes)")
        results = {n: drain(rig, backlog, n) for n in workers}
        base = results[workers[0]]
        for n, r in results.items():
            print(f"  {n} worker(s): {r['rate'] / base['rate']:4.2f}x the rate of {workers[0]} (baseline)")
        print(f"  ceiling of one PostgreSQL core at {base['postgres']:.1f} ms per instance: "
              f"{1000 / max(base['postgres'], 0.01):.0f} instances/s; of one worker core: "
              f"{1000 / max(base['worker'], 0.01):.0f} instances/s")
    finally:
        rig.stop_all()
        rig.probe.close()
        drop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--backlog", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    args, _ = parser.parse_known_args(argv)
    if args.db == "sqlite":
        print("  not run on SQLite: the embedded set-up is one process")
        return
    run(args.backlog, [int(n) for n in args.workers.split(",")])


if __name__ == "__main__":
    main()
