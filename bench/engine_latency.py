"""Engine latency: a lead created -> its "Process lead" instance waiting at "Qualify lead", persisted.

    .venv/bin/python -m bench.engine_latency --db sqlite
    .venv/bin/python -m bench.engine_latency --db postgresql --runs 300 --batch 500

On a throw-away database (migrated; the standard processes installed as on first start) it
times, per lead, the three transactions of the path without the broker hop:
  create   `create_record("lead")`: the record, its timeline entry and the outbox row;
  trigger  the relay hands the event to the "engine" consumer: the instance row (state, started);
  step     `run_instance`: the first step (service task crm.create_task, then the user task):
           state, human_task row, CRM task and log written, committed.
then a sustained run (a batch of leads created, relayed and stepped back to back), and beside
them the raw SpiffWorkflow time for the same diagram in the same process: new workflow, start
message, advance to the user task (service handler stubbed), serialize the state. The broker
hop (kick -> worker) is not included: see docs/facts/embedded-mode.md for that figure.
Never part of the test run.
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

from bench._support import bench_app, make_database, pct

PROCESS = Path(__file__).resolve().parent.parent / "processes" / "process_lead.bpmn"


def one_lead(user: object, n: int) -> tuple[float, float, float, int]:
    """Create a lead and drive it to its first user task; (create, trigger, step) seconds."""
    from sqlalchemy import select

    from crm.events import relay_pending
    from crm.services.records import create_record
    from engine.models import ProcessInstance
    from engine.runtime import run_instance
    from extensions import db
    from transactions import unit_of_work

    t0 = time.perf_counter()
    with unit_of_work():
        lead = create_record("lead", {"title": f"Lead {n}", "responsible_id": user.id}, actor=user)
    t1 = time.perf_counter()
    relay_pending()
    instance_id = db.session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.entity == "lead", ProcessInstance.entity_id == lead.id))
    t2 = time.perf_counter()
    status = run_instance(instance_id)
    t3 = time.perf_counter()
    assert status == "waiting", status
    relay_pending()  # the task.created the step caused, outside the measured path
    return t1 - t0, t2 - t1, t3 - t2, instance_id


def latency(user: object, runs: int, warmup: int) -> dict[str, list[float]]:
    """Per-lead timings (ms) after a warm-up."""
    for n in range(warmup):
        one_lead(user, -n)
    out: dict[str, list[float]] = {"create": [], "trigger": [], "step": [], "total": []}
    for n in range(runs):
        create, trigger, step, _ = one_lead(user, n)
        for key, value in (("create", create), ("trigger", trigger), ("step", step),
                           ("total", create + trigger + step)):
            out[key].append(value * 1000)
    return out


def sustained(user: object, batch: int) -> tuple[float, float]:
    """Create `batch` leads, then relay and step them all; (seconds, instances/s)."""
    from sqlalchemy import select

    from crm.events import relay_pending
    from crm.services.records import create_record
    from engine.models import ProcessInstance
    from engine.runtime import run_instance
    from extensions import db

    started = time.perf_counter()
    for n in range(batch):
        create_record("lead", {"title": f"Batch {n}", "responsible_id": user.id}, actor=user)
    while relay_pending(500):
        pass
    ids = list(db.session.scalars(select(ProcessInstance.id).where(ProcessInstance.status == "running")))
    for instance_id in ids:
        run_instance(instance_id)
    relay_pending(5000)
    seconds = time.perf_counter() - started
    assert len(ids) == batch, (len(ids), batch)
    return seconds, batch / seconds


def raw_spiff(runs: int, warmup: int) -> list[float]:
    """The same diagram in SpiffWorkflow alone: start, advance to the user task, serialize."""
    from engine.spiff import runner

    spec, subs = runner.load_spec(PROCESS.read_bytes(), "process_lead")
    record = {"id": 1, "title": "Lead", "responsible_id": 1, "entity": "lead"}
    times = []
    for n in range(warmup + runs):
        t0 = time.perf_counter()
        wf = runner.new_workflow(spec, subs, {"record": record, "initiator": 1}, "lead.created",
                                 {"type": "lead.created", "changes": {}})
        result = runner.advance(wf, lambda topic, params, ctx: {"task_id": 1})
        runner.serialize_state(wf)
        if n >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        assert [t["element_id"] for t in result.user_tasks] == ["Activity_Qualify"], result
    return times


def row(label: str, values: list[float]) -> str:
    """One printed line of figures."""
    return (f"  {label:44} p50 {statistics.median(values):7.2f} ms   p95 {pct(values, 0.95):7.2f} ms"
            f"   mean {statistics.fmean(values):7.2f} ms")


def run(kind: str, runs: int, batch: int, warmup: int) -> None:
    """Measure on one database kind and print the figures."""
    from org.services.users import create_user

    url, drop = make_database(kind)
    try:
        app = bench_app(url)  # migrations and the standard processes, as on first start
        with app.app_context():
            user = create_user("bench@example.com", None, actor=None, is_admin=True)
            times = latency(user, runs, warmup)
            seconds, rate = sustained(user, batch)
        raw = raw_spiff(runs, warmup)
        print(f"\n{kind}: lead created -> 'Process lead' waiting at 'Qualify lead' (persisted), "
              f"{runs} runs after {warmup} warm-up")
        print(row("create (record + outbox row, commit)", times["create"]))
        print(row("trigger (relay -> instance row, commit)", times["trigger"]))
        print(row("step (service task + user task, commit)", times["step"]))
        print(row("total", times["total"]))
        print(row("raw SpiffWorkflow, same diagram (no DB)", raw))
        print(f"  sustained: {batch} leads created, relayed and stepped in {seconds:.2f} s = "
              f"{rate:.1f} instances/s (one process, one connection)")
    finally:
        drop()


def main(argv: list[str] | None = None) -> None:
    """Parse options and run on the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.runs, args.batch, args.warmup)


if __name__ == "__main__":
    main()
