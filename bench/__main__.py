"""Run every benchmark in bench/ on SQLite and PostgreSQL, one subprocess each.

    .venv/bin/python -m bench                       # all of them, both databases
    .venv/bin/python -m bench engine_latency        # only the named ones
    .venv/bin/python -m bench --db sqlite search    # one database

Each benchmark is a module of this package with its own `--db sqlite|postgresql` option (and
defaults sized for a real measurement); pass extra options to all of them after `--`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """The benchmark modules of this package."""
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit status 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {available()})")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    unknown = sorted(set(args.names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in args.names or available():
        for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
            print(f"\n=== {name} on {db} ===", flush=True)
            started = time.monotonic()
            code = subprocess.call([sys.executable, "-m", f"bench.{name}", "--db", db, *extra],
                                   cwd=HERE.parent)
            print(f"=== {name} on {db}: exit {code} after {time.monotonic() - started:.0f} s ===", flush=True)
            if code:
                failed.append(f"{name}/{db}")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
