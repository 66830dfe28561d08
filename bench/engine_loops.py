"""Engine loops: stored state and time per iteration as a loop grows, and a 1,000-item multi-instance.

    .venv/bin/python -m bench.engine_loops --db sqlite
    .venv/bin/python -m bench.engine_loops --db postgresql --sizes 100,1000,10000

Engine alone (no database; the same for either --db): a gateway back-edge loop
(`count = count + 1` until `count >= N`) and a standard loop (`standardLoopCharacteristics`)
of N iterations run in bounded steps, the state saved and loaded between steps as the
platform does; printed per N: the largest stored state, ms per iteration, step time p50/p95
and iterations/s. Baseline in the same run: stock SpiffWorkflow (`do_engine_steps`, nothing
pruned, no budget) on the same gateway loop: its state grows with N, its time per iteration
too, and it stops after ~500 iterations while reporting the workflow completed.
Through the runtime on the chosen database: the gateway loop started by a record event and
driven by `run_pending` (every step a commit), and a 1,000-item parallel multi-instance.
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

SCRIPT = ('<bpmn:scriptTask id="{id}" scriptFormat="python">{inner}<bpmn:script>{text}</bpmn:script>'
          "</bpmn:scriptTask>")


def _flows(*pairs: tuple[str, str, str]) -> str:
    out = []
    for flow_id, source, target, *condition in pairs:
        body = f"<bpmn:conditionExpression>{condition[0]}</bpmn:conditionExpression>" if condition else ""
        out.append(f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}'
                   "</bpmn:sequenceFlow>")
    return "".join(out)


def loop_xml(kind: str, n: int, message: str | None = None) -> bytes:
    """A gateway or standard loop of `n` iterations ending at a user task (`loop` process)."""
    from tests.integration.engine.diagrams import NS

    start = ('<bpmn:startEvent id="S"><bpmn:messageEventDefinition messageRef="M" /></bpmn:startEvent>'
             if message else '<bpmn:startEvent id="S" />')
    decl = f'<bpmn:message id="M" name="{message}" />' if message else ""
    init = SCRIPT.format(id="Init", inner="", text="count = 0")
    if kind == "gateway":
        body = (init + SCRIPT.format(id="Inc", inner="", text="count = count + 1")
                + '<bpmn:exclusiveGateway id="More" default="Back" />'
                + _flows(("F3", "Inc", "More"), ("Out", "More", "Hold", f"${{count &gt;= {n}}}"),
                         ("Back", "More", "Inc")))
    else:
        loop = (f"<bpmn:standardLoopCharacteristics><bpmn:loopCondition>${{count &lt; {n}}}"
                "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
        body = (init + SCRIPT.format(id="Inc", inner=loop, text="count = count + 1")
                + _flows(("F3", "Inc", "Hold")))
    body += '<bpmn:userTask id="Hold" /><bpmn:endEvent id="E" />'
    body += start + _flows(("F1", "S", "Init"), ("F2", "Init", "Inc"), ("F4", "Hold", "E"))
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="D">{decl}'
            f'<bpmn:process id="loop" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def engine_loop(kind: str, n: int) -> dict:
    """Run one loop in bounded steps with a save/load between steps; figures of the run."""
    from engine.spiff import runner

    spec, subs = runner.load_spec(loop_xml(kind, n), "loop")
    blob = runner.serialize_spec(spec, subs)
    wf = runner.new_workflow(*runner.cached_spec(blob), {"record": {"id": 1}})
    steps, biggest, started = [], 0, time.perf_counter()
    while True:
        t0 = time.perf_counter()
        result = runner.advance(wf, None)
        state = runner.serialize_state(wf)
        wf = runner.deserialize_state(state, blob)
        steps.append((time.perf_counter() - t0) * 1000)
        biggest = max(biggest, len(state))
        if not result.more:
            break
    seconds = time.perf_counter() - started
    assert result.data["count"] == n and [t["element_id"] for t in result.user_tasks] == ["Hold"], result
    return {"state": biggest, "ms_per_iter": seconds * 1000 / n, "steps": steps, "rate": n / seconds}


def stock_loop(n: int) -> dict:
    """Stock SpiffWorkflow on the gateway loop: one unbounded run, nothing pruned."""
    from engine.spiff import runner

    spec, subs = runner.load_spec(loop_xml("gateway", n), "loop")
    wf = runner.new_workflow(spec, subs, {"record": {"id": 1}})
    started = time.perf_counter()
    wf.do_engine_steps()
    seconds = time.perf_counter() - started
    reached = wf.last_task.data.get("count", 0)
    return {"state": len(runner.serialize_state(wf)), "ms_per_iter": seconds * 1000 / max(reached, 1),
            "reached": reached, "says_completed": wf.is_completed()}


def row(label: str, figures: dict) -> str:
    """One printed line of the engine-alone table."""
    steps = figures["steps"]
    return (f"  {label:28} state {figures['state']:>8,} B   {figures['ms_per_iter']:6.3f} ms/iteration   "
            f"step p50 {statistics.median(steps):7.1f} ms  p95 {pct(steps, 0.95):7.1f} ms   "
            f"{figures['rate']:8,.0f} iterations/s   ({len(steps)} steps)")


def engine_alone(sizes: list[int]) -> None:
    """Print the engine-alone tables with the stock baseline."""
    print("\nengine alone (no database): bounded steps of 1,000 engine tasks, state saved and loaded "
          "between steps")
    for kind in ("gateway", "standard"):
        for n in sizes:
            print(row(f"{kind} loop, {n:,} iterations", engine_loop(kind, n)))
    print("baseline: stock SpiffWorkflow do_engine_steps, nothing pruned (same gateway loop)")
    for n in sizes:
        if n > 10_000:
            print(f"  stock, {n:,} iterations: not run (it stops at ~500 as below)")
            continue
        stock = stock_loop(n)
        verdict = "completed" if stock["reached"] == n else (
            f"STOPPED at {stock['reached']:,}, reported completed={stock['says_completed']}")
        print(f"  stock, {n:,} iterations{'':10} state {stock['state']:>8,} B   "
              f"{stock['ms_per_iter']:6.3f} ms/iteration   {verdict}")


def through_runtime(kind: str, sizes: list[int]) -> None:
    """The gateway loop and a 1,000-item multi-instance through the runtime on a database."""
    from org.services.users import create_user

    url, drop = make_database(kind)
    try:
        app = bench_app(url)
        with app.app_context():
            user = create_user("bench@example.com", None, actor=None, is_admin=True)
            print(f"\n{kind}: through the runtime (record event -> instance, run_pending, a commit per step)")
            for n in [s for s in sizes if s <= 10_000]:
                seconds, steps, instance = _drive(user, loop_xml("gateway", n, "contact.created"), "contact")
                print(f"  gateway loop, {n:>6,} iterations   stored state {len(instance.state):>7,} B   "
                      f"{seconds * 1000 / n:6.3f} ms/iteration   {n / seconds:8,.0f} iterations/s   "
                      f"({steps} steps)")
            seconds, steps, instance = _drive(user, _multi_instance_xml(), "deal")
            print(f"  parallel multi-instance, 1,000 items: {seconds:.2f} s = {1000 / seconds:,.0f} items/s, "
                  f"stored state {len(instance.state):,} B ({steps} steps)")
    finally:
        drop()


def _multi_instance_xml() -> bytes:
    from tests.integration.engine.diagrams import chain, script_task, user_task

    inner = ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="${items}" '
             'camunda:elementVariable="item" />')
    each = ("scriptTask", "Each", 'scriptFormat="python"', inner + "<bpmn:script>last = item</bpmn:script>")
    return chain("bulk", script_task("Make", "items = list(range(1000))"), each,
                 user_task("Hold", "Hold", assignee=None), message="deal.created")


def _drive(user: object, xml: bytes, entity: str) -> tuple[float, int, object]:
    """Deploy, create a record that starts it, drive it to its user task: (seconds, steps, instance)."""
    from sqlalchemy import select, update

    from crm.services.records import create_record
    from engine.deploy import deploy_process
    from engine.models import ProcessInstance
    from engine.runtime import run_pending
    from extensions import db

    deploy_process(xml, actor=user)
    db.session.commit()
    fields = {"last_name": "Loop"} if entity == "contact" else {"title": "Bulk"}
    create_record(entity, {**fields, "responsible_id": user.id}, actor=user)
    db.session.commit()
    started = time.perf_counter()
    steps = run_pending(max_rounds=100_000)
    seconds = time.perf_counter() - started
    instance = db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id.desc())).first()
    assert instance.status == "waiting", (instance.status, instance.error_message)
    db.session.execute(update(ProcessInstance).values(status="terminated"))  # out of the next runs
    db.session.commit()
    return seconds, steps, instance


def main(argv: list[str] | None = None) -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    engine_alone(sizes)
    if not args.engine_only:
        for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
            through_runtime(kind, sizes)


if __name__ == "__main__":
    main()
