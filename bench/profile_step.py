"""Where the CPU and the SQL statements of one instance go, phase by phase (bench/e2e.py's diagram).

    .venv/bin/python -m bench.profile_step --db sqlite --leads 200
    .venv/bin/python -m bench.profile_step --db postgresql --html /tmp/profile   # pyinstrument pages

In one process, with no broker (the kicks are counted, not sent): a lead created through the
API (Flask test client), the relay delivering its events, the worker step, the relay again
for the events the step recorded, the user task completed through the API (as the inbox does:
the request runs the step that follows, to the end of the process) and the relay once more.
Printed per phase: CPU ms per instance, SQL statements per instance and the most frequent
statements; with --html, a pyinstrument profile per phase. FLOWDESK_SHAPE_CHARS (110) sets how
much of each statement is shown (2000: whole statements, to tell two of one table apart).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from bench._support import bench_app, make_database
from bench.e2e_support import DIAGRAM, multipart

SHAPE_CHARS = int(os.environ.get("FLOWDESK_SHAPE_CHARS", "110"))  # of each statement, as printed
PHASES = ("create (web request)", "relay (lead.created -> instance)", "step (worker)",
          "relay (events of the step)", "complete task (web request + step)",
          "relay (events of the completion)")


class Statements:
    """SQL statements seen while `phase` is set, by phase and by shape."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.by_phase: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def __call__(self, _conn, _cursor, statement: str, *_args: object) -> None:  # noqa: ANN001
        if self.phase is not None:
            shape = re.sub(r"\s+", " ", statement)[:SHAPE_CHARS]
            self.by_phase[self.phase][shape] += 1


def prepare(client) -> dict:  # noqa: ANN001
    """An administrator's token headers; the shipped processes off, the bench diagram deployed."""
    from org.services.users import create_user

    create_user("bench@example.com", "bench-password-42", actor=None, is_admin=True)
    token = client.post("/api/v1/auth/token", json={"email": "bench@example.com",
                                                    "password": "bench-password-42"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/me/admin-mode", json={"on": True}, headers=headers)
    for key in ("process_lead", "perform_in_stages"):
        client.post(f"/api/v1/processes/{key}/deactivate", headers=headers)
    body, ctype = multipart("file", "bench_e2e.bpmn", DIAGRAM)
    answer = client.post("/api/v1/processes", data=body, content_type=ctype, headers=headers)
    assert answer.status_code < 300, answer.json
    return headers


def one_lead(client, headers: dict, n: int, run) -> None:  # noqa: ANN001
    """The phases of one lead, each through `run(phase, fn)`."""
    from sqlalchemy import select

    from crm.events import relay_pending
    from engine.models import HumanTask, ProcessInstance
    from engine.runtime import run_instance
    from extensions import db

    def create() -> None:
        answer = client.post("/api/v1/leads", json={"title": f"Lead {n}"}, headers=headers)
        assert answer.status_code == 201, answer.json

    run(PHASES[0], create)
    run(PHASES[1], relay_pending)
    ids, status = db.session.execute(select(ProcessInstance.id, ProcessInstance.status)
                                     .order_by(ProcessInstance.id.desc()).limit(1)).one()
    ids = [ids]
    db.session.rollback()
    if status == "running":  # not stepped by the relay itself (engine.runtime.run_started)
        run(PHASES[2], lambda: run_instance(ids[0]))
    run(PHASES[3], relay_pending)
    task = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == ids[0]))
    db.session.rollback()

    def complete() -> None:
        answer = client.post(f"/api/v1/inbox/{task}/complete", json={"data": {}}, headers=headers)
        assert answer.status_code < 300, answer.json

    run(PHASES[4], complete)
    run(PHASES[5], relay_pending)
    status = db.session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == ids[0]))
    db.session.rollback()
    assert status == "completed", status


def measure(kind: str, leads: int, html: str | None) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    url, drop = make_database(kind)
    counter = Statements()
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        app = bench_app(url)
        client = app.test_client()
        with app.app_context():
            headers = prepare(client)
            noop = lambda phase, fn: fn()  # noqa: E731
            for n in range(min(10, leads)):  # warm-up: imports, caches, connections
                one_lead(client, headers, -n, noop)
            cpu = collections.Counter()
            profilers = _profilers(html)

            def run(phase: str, fn) -> None:  # noqa: ANN001
                counter.phase = phase
                started = time.process_time()
                if phase in profilers:
                    profilers[phase].start()
                try:
                    fn()
                finally:
                    if phase in profilers:
                        profilers[phase].stop()
                    cpu[phase] += time.process_time() - started
                    counter.phase = None

            counter.by_phase.clear()
            for n in range(leads):
                one_lead(client, headers, n, run)
        _report(kind, leads, cpu, counter, profilers, html)
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
        drop()


def _profilers(html: str | None) -> dict:
    if not html:
        return {}
    from pyinstrument import Profiler

    return {phase: Profiler(interval=0.0005) for phase in PHASES}


def _report(kind: str, leads: int, cpu: collections.Counter, counter: Statements, profilers: dict,
            html: str | None) -> None:
    print(f"\n{kind}: {leads} leads, per instance")
    for phase in PHASES:
        shapes = counter.by_phase[phase]
        print(f"  {phase:<36} CPU {cpu[phase] * 1000 / leads:6.2f} ms   statements "
              f"{sum(shapes.values()) / leads:5.1f}")
        for shape, count in shapes.most_common():
            print(f"      {count / leads:4.1f}  {shape}")
    total = sum(cpu.values()) * 1000 / leads
    stmts = sum(sum(c.values()) for c in counter.by_phase.values()) / leads
    print(f"  {'total':<36} CPU {total:6.2f} ms   statements {stmts:5.1f}")
    for n, (phase, profiler) in enumerate(profilers.items()):
        if profiler.last_session is None:  # a phase that did not run (PostgreSQL: the step in the relay)
            continue
        target = Path(f"{html}-{kind}-{n}.html")
        target.write_text(profiler.output_html())
        print(f"  profile of {phase}: {target}")
        print(profiler.output_text(color=False, show_all=False)[:6000])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--html", default=None, help="write pyinstrument profiles to <this>-<db>-<n>.html")
    args = parser.parse_args(argv)
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        measure(kind, args.leads, args.html)


if __name__ == "__main__":
    main()
