"""DMN decision tables: evaluations per second of a 100-rule table against plain Python, same run.

    .venv/bin/python -m bench.dmn
    .venv/bin/python -m bench.dmn --runs 20000 --rules 100

A table with `--rules` rules over two inputs (an integer range `[lo..hi]` and a string list
`"a","b"`), evaluated with hit policies UNIQUE, FIRST and COLLECT SUM (engine.dmn.evaluate:
JUEL input expressions, compiled FEEL unary tests, typed outputs). Baselines in the same run:
one plain Python dict lookup of a table of the same size (the floor), and a plain Python loop
over the same rules as tuples (what a hand-written table costs). Also the time to parse and
compile the DMN file once (deploy). No database involved (`--db` is accepted and ignored so
`python -m bench` can run it). Never part of the test run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import p95

CATEGORIES = ("a", "b", "c", "d")


def dmn_file(rules: int, hit_policy: str, aggregation: str = "") -> bytes:
    """A DMN 1.3 file with one decision table of `rules` rules."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    rows = []
    for i in range(rules):
        cats = ",".join(f'"{c}"' for c in CATEGORIES[i % 2 * 2: i % 2 * 2 + 2])
        rows.append(f'<rule id="r{i}"><inputEntry><text>[{i * 10}..{i * 10 + 9}]</text></inputEntry>'
                    f"<inputEntry><text>{cats}</text></inputEntry>"
                    f"<outputEntry><text>{i}</text></outputEntry></rule>")
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" '
            'namespace="bench"><decision id="score" name="Score">'
            f'<decisionTable id="t" hitPolicy="{hit_policy}"{agg}>'
            '<input id="i1"><inputExpression typeRef="integer"><text>amount</text></inputExpression></input>'
            '<input id="i2"><inputExpression typeRef="string"><text>category</text></inputExpression></input>'
            '<output id="o1" name="score" typeRef="integer"/>'
            + "".join(rows) + "</decisionTable></decision></definitions>").encode()


def timed(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Microseconds per call of each; the calls alternate, so a busy machine weighs on all alike."""
    out: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(runs):
        for label, call in calls.items():
            began = time.perf_counter()
            call()
            out[label].append((time.perf_counter() - began) * 1e6)
    return out


def row(label: str, times: list[float]) -> str:
    """One printed line: median, p95 and throughput."""
    return (f"  {label:<44} median {statistics.median(times):8.2f} us   p95 {p95(times):8.2f} us   "
            f"{1e6 / statistics.mean(times):10.0f} /s")


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    from engine.dmn import evaluate, parse_decisions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="ignored: no database involved")
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--rules", type=int, default=100)
    args = parser.parse_args(argv)
    n = args.rules
    began = time.perf_counter()
    unique = parse_decisions(dmn_file(n, "UNIQUE"))[0]
    compile_ms = (time.perf_counter() - began) * 1000
    first = parse_decisions(dmn_file(n, "FIRST"))[0]
    summed = parse_decisions(dmn_file(n, "COLLECT", "SUM"))[0]
    lookup = {(i, c): i for i in range(n) for c in CATEGORIES[i % 2 * 2: i % 2 * 2 + 2]}
    plain = [(i * 10, i * 10 + 9, set(CATEGORIES[i % 2 * 2: i % 2 * 2 + 2]), i) for i in range(n)]
    # A rule in the middle of the table matches (the scan visits every rule for UNIQUE anyway).
    variables = {"amount": (n // 2) * 10 + 3, "category": CATEGORIES[(n // 2) % 2 * 2]}
    expected = [{"score": n // 2}]
    assert evaluate(unique, variables) == expected and evaluate(first, variables) == expected

    def scan() -> list[int]:
        amount, category = variables["amount"], variables["category"]
        return [out for lo, hi, cats, out in plain if lo <= amount <= hi and category in cats]

    print(f"\nDMN decision table, {n} rules x 2 inputs, {args.runs} runs "
          f"(parse + compile once: {compile_ms:.1f} ms)")
    report(timed({
        "baseline: Python dict lookup": lambda: lookup[(variables["amount"] // 10, variables["category"])],
        "baseline: Python loop over the rules": scan,
        "engine.dmn UNIQUE": lambda: evaluate(unique, variables),
        "engine.dmn FIRST": lambda: evaluate(first, variables),
        "engine.dmn COLLECT SUM": lambda: evaluate(summed, variables),
    }, args.runs))


def report(times: dict[str, list[float]]) -> None:
    """Print each row and the ratio to the plain Python loop."""
    for label, values in times.items():
        print(row(label, values))
    ratio = statistics.median(times["engine.dmn UNIQUE"]) / statistics.median(
        times["baseline: Python loop over the rules"])
    print(f"  UNIQUE costs {ratio:.1f}x the plain Python loop")


if __name__ == "__main__":
    main()
