"""Script evaluation: in-process sandbox against the script-worker pool, in the same run.

    .venv/bin/python -m bench.script_eval
    .venv/bin/python -m bench.script_eval --runs 5000 --threads 2

A small script (a few assignments, a loop over the record's items, a date) with a typical
task-data record, evaluated `--runs` times: in-process (`sandbox.execute`, the baseline,
what every script cost before the pool) and through the pool (`isolation.execute_python`:
wire encoding, the pipe round trip, the worker's run). Also a Python condition that is
sent to a worker (a comprehension) against one that stays in-process, and the pool's
throughput with `--threads` callers at once. No database is involved (`--db` is accepted
and ignored so `python -m bench` can run it). Never part of the test run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import p95

SCRIPT = """
total = 0
for item in record["items"]:
    total += item["qty"] * item["price"]
discount = 0.1 if total > 1000 else 0
due = (datetime.fromisoformat(record["created"]) + timedelta(days=14)).isoformat()
label = record["title"].upper() + " / " + str(len(record["items"]))
"""
VARIABLES = {
    "record": {"id": 7, "title": "Acme order", "created": "2026-12-04T10:00:00",
               "items": [{"qty": n, "price": 9.5 * n, "sku": f"SKU-{n}"} for n in range(20)]},
    "initiator": 1,
}
UNBOUNDED = "any(item['qty'] > 15 for item in record['items'])"
BOUNDED = "record['title'] != '' and initiator == 1"


def timed(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Milliseconds per call of each; the calls alternate, so a busy machine weighs on all alike."""
    out: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(runs):
        for label, call in calls.items():
            began = time.perf_counter()
            call()
            out[label].append((time.perf_counter() - began) * 1000)
    return out


def row(label: str, times: list[float]) -> str:
    """One printed line: median, p95 and throughput."""
    return (f"  {label:<46} median {statistics.median(times):7.3f} ms   p95 {p95(times):7.3f} ms   "
            f"{1000 / statistics.mean(times):8.0f} /s")


def parallel(call: Callable[[], object], threads: int, runs: int) -> float:
    """Evaluations per second with `threads` callers."""
    def work() -> None:
        for _ in range(runs):
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * runs / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    from engine.spiff import isolation, script_pool
    from engine.spiff.sandbox import evaluate, execute

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="ignored: no database involved")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    pool = script_pool.pool()
    for _ in range(50):  # warm-up: workers started, code compiled and cached
        isolation.execute_python(SCRIPT, VARIABLES, 1.0)
        execute(SCRIPT, VARIABLES, 1.0)
    print(f"\nscript evaluation, {args.runs} runs ({pool.size} workers, {pool.memory} MB each)")
    times = timed({
        "script in-process (baseline, sandbox.execute)": lambda: execute(SCRIPT, VARIABLES, 1.0),
        "script in a pooled worker": lambda: isolation.execute_python(SCRIPT, VARIABLES, 1.0),
        "condition in-process (bounded)": lambda: evaluate(BOUNDED, VARIABLES, 1.0),
        "condition in a pooled worker (comprehension)": lambda: isolation.evaluate_python(
            UNBOUNDED, VARIABLES, 1.0),
    }, args.runs)
    for label, values in times.items():
        print(row(label, values))
    rate = parallel(lambda: isolation.execute_python(SCRIPT, VARIABLES, 1.0), args.threads, args.runs // 2)
    print(f"  pooled script throughput with {args.threads} callers: {rate:.0f} /s")
    script_pool.shutdown()


if __name__ == "__main__":
    main()
