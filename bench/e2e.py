"""The whole path, end to end: HTTP -> outbox -> broker -> worker -> engine -> database.

    .venv/bin/python -m bench e2e                 # PostgreSQL (scaled out) and SQLite (embedded)
    .venv/bin/python -m bench.e2e --db postgresql --runs 100 --backlog 300 --workers 1,2,4

PostgreSQL: gunicorn (2 processes x 4 threads), `celery -A app worker` (prefork) and Redis.
SQLite: one `python app.py` (embedded broker, worker and beat threads). The diagram: a lead
created starts it (message start), a script task, a user task. Printed: create-to-waiting
and completion latency (p50, p95), drain throughput of a backlog with 1, 2 and 4 worker
processes (PostgreSQL), CPU milliseconds per instance summed over every process (web,
workers, PostgreSQL, Redis; from /proc), SQL statements per instance (counted in every
process by bench/statement_counter.py), stored state bytes per instance, and the raw
SpiffWorkflow floor for the same diagram in the same run with the ratio. Run it on a quiet
machine: PostgreSQL's CPU is counted over all its processes.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import make_database, pct
from bench.e2e_db import Probe
from bench.e2e_support import DIAGRAM, ROOT, Http, group_cpu, multipart, named_cpu, start, stop, wait_for
from bench.statement_counter import SHAPES, shapes
from bench.statement_counter import total as statements

PASSWORD = "bench-password-42"
PY = sys.executable


class Rig:
    """The services of one run and how to reach them."""

    def __init__(self, kind: str, url: str, work: Path) -> None:
        self.kind, self.url, self.work = kind, url, work
        self.port = _free_port()
        self.stmts = work / "statements"
        self.env = {**os.environ, "DATABASE_URL": url, "FLOWDESK_INSTANCE": str(work / "instance"),
                    "SECRET_KEY": secrets.token_hex(16), "FLOWDESK_DEMO_DATA": "0",
                    "FLOWDESK_EXTRA_MODULES": "bench.statement_counter",
                    "FLOWDESK_BENCH_STATEMENTS": str(self.stmts), "FLOWDESK_PORT": str(self.port)}
        if kind == "postgresql":
            self.env.update(CELERY_BROKER_URL=os.environ.get("FLOWDESK_TEST_REDIS", "redis://127.0.0.1:6379/0"),
                            FLOWDESK_BROKER_KEY_PREFIX=f"bench_{secrets.token_hex(4)}_")
        self.web = self.worker = None
        self.http = Http(f"http://127.0.0.1:{self.port}")
        self.probe = Probe(url)

    def flask(self, *args: str) -> None:
        import subprocess

        subprocess.run([PY, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)

    def start_web(self) -> None:
        if self.kind == "postgresql":
            cmd = [PY, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
                   "app:create_app()"]
        else:
            cmd = [PY, "app.py"]
        self.web = start(cmd, self.env, self.work / "web.log")
        wait_for(self.http.up, 120, "the web server", 0.2)

    def start_worker(self, n: int) -> None:
        cmd = [PY, "-m", "celery", "-A", "app", "worker", "-c", str(n), "--pool", "prefork", "-l", "warning",
               "--without-mingle", "--without-gossip", "-n", f"bench{n}@%h"]
        self.worker = start(cmd, self.env, self.work / f"worker{n}.log")
        wait_for(lambda: (self.work / f"worker{n}.log").exists() and b"ready" in
                 (self.work / f"worker{n}.log").read_bytes() or _sleep(0.2), 120, "the worker", 0.2)

    def cpu(self) -> float:
        """CPU seconds of everything on the path so far."""
        return sum(self.cpu_parts())

    def cpu_parts(self) -> tuple[float, float, float]:
        """CPU seconds so far of (the web server, the worker, PostgreSQL + Redis)."""
        web, worker = ((group_cpu(p.pid) if p is not None and p.poll() is None else 0.0)
                       for p in (self.web, self.worker))
        return web, worker, named_cpu("postgres", "redis-server") if self.kind == "postgresql" else 0.0

    def stop_all(self) -> None:
        for proc in (self.worker, self.web):
            if proc is not None:
                stop(proc)


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(rig: Rig) -> None:
    """Schema, an administrator, the bench diagram; the shipped processes off."""
    rig.flask("setup")
    rig.flask("user", "create", "bench@example.com", "--password", PASSWORD, "--admin")
    rig.start_web()
    rig.http.token = rig.http.call("POST", "/api/v1/auth/token",
                                   {"email": "bench@example.com", "password": PASSWORD})["token"]
    rig.http.call("POST", "/api/v1/me/admin-mode", {"on": True})
    for key in ("process_lead", "perform_in_stages"):
        rig.http.call("POST", f"/api/v1/processes/{key}/deactivate")
    body, ctype = multipart("file", "bench_e2e.bpmn", DIAGRAM)
    rig.http.call("POST", "/api/v1/processes", raw=body, content_type=ctype)


def one_lead(rig: Rig, n: int) -> tuple[float, float]:
    """(create -> waiting, complete -> completed) seconds for one lead."""
    t0 = time.perf_counter()
    lead = rig.http.call("POST", "/api/v1/leads", {"title": f"Lead {n}"})["id"]
    instance, task = wait_for(lambda: rig.probe.waiting(lead), 60, "the instance to wait")
    t1 = time.perf_counter()
    rig.http.call("POST", f"/api/v1/inbox/{task}/complete", {"data": {}})
    wait_for(lambda: rig.probe.completed(instance), 60, "the instance to complete")
    return t1 - t0, time.perf_counter() - t1


def latency(rig: Rig, runs: int) -> None:
    for n in range(10):  # warm-up: imports, caches, connections
        one_lead(rig, -n)
    st0 = statements(rig.stmts)
    pairs = [one_lead(rig, n) for n in range(runs)]
    time.sleep(0.6)  # the counters flush every 0.25 s
    print(f"  statements per lead one at a time, created to completed: "
          f"{(statements(rig.stmts) - st0) / runs:5.1f}")
    columns = (("create -> waiting", [a for a, _ in pairs]), ("complete -> completed", [b for _, b in pairs]))
    for label, values in columns:
        ms = [v * 1000 for v in values]
        print(f"  {label:<28} p50 {pct(ms, 0.5):7.1f} ms   p95 {pct(ms, 0.95):7.1f} ms   ({runs} leads)")


def create_many(rig: Rig, count: int) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: rig.http.call("POST", "/api/v1/leads", {"title": f"Backlog {n}"}),
                      range(count)))


def cost(rig: Rig, count: int) -> float:
    """CPU ms and statements per instance while `count` leads are created and reach their user task."""
    before_waiting = rig.probe.count("waiting")
    cpu0, st0, shapes0 = rig.cpu_parts(), statements(rig.stmts), shapes(rig.stmts)
    create_many(rig, count)
    wait_for(lambda: rig.probe.count("waiting") >= before_waiting + count, 600, "the backlog", 0.05)
    time.sleep(0.6)  # the counters flush every 0.25 s
    parts = [(b - a) * 1000 / count for a, b in zip(cpu0, rig.cpu_parts(), strict=True)]
    per = sum(parts)
    print(f"  CPU per instance (all processes) {per:7.2f} ms   statements per instance "
          f"{(statements(rig.stmts) - st0) / count:5.1f}   ({count} leads)")
    if rig.kind == "postgresql":  # SQLite: one process
        print("  of it web {:.2f} ms, worker {:.2f} ms, PostgreSQL + Redis {:.2f} ms".format(*parts))
    if SHAPES:  # FLOWDESK_BENCH_SHAPES=1: the statements by shape, per instance
        for shape, n in (shapes(rig.stmts) - shapes0).most_common(90):
            print(f"    {n / count:5.2f}  {shape}")
    print(f"  stored state per waiting instance {rig.probe.state_bytes():,.0f} bytes")
    return per


def drain(rig: Rig, count: int, workers: int) -> None:
    """Throughput of a backlog created while no worker ran, with `workers` processes."""
    stop(rig.worker)
    rig.worker = None
    mark = rig.probe.max_instance_id()
    create_many(rig, count)
    rig.start_worker(workers)
    wait_for(lambda: rig.probe.count("waiting", after=mark) >= count, 600, "the drain", 0.05)
    seconds = rig.probe.span(after=mark)
    print(f"  drain {count} with {workers} worker process(es): {count / seconds:7.1f} instances/s")


def floor() -> float:
    """CPU ms per instance of SpiffWorkflow alone: the diagram to its user task, serialized."""
    os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))
    from engine.spiff import runner

    spec, subs = runner.load_spec(DIAGRAM, "bench_e2e")
    started, n = time.process_time(), 300
    for _ in range(n):
        wf = runner.new_workflow(spec, subs, {"record": {"id": 1}, "initiator": 1}, "lead.created",
                                 {"type": "lead.created", "changes": {}})
        runner.advance(wf, lambda *_: None)
        runner.serialize_state(wf)
    return (time.process_time() - started) * 1000 / n


def run(kind: str, runs: int, backlog: int, workers: list[int]) -> None:
    url, drop = make_database(kind)
    work = Path(tempfile.mkdtemp(prefix="flowdesk-bench-e2e-"))
    rig = Rig(kind, url, work)
    try:
        prepare(rig)
        if kind == "postgresql":
            rig.start_worker(2)
        scaled = "gunicorn + Celery + Redis + PostgreSQL"
        print(f"  {scaled if kind == 'postgresql' else 'python app.py (SQLite)'}")
        latency(rig, runs)
        per = cost(rig, backlog)
        if kind == "postgresql":
            for n in workers:
                drain(rig, backlog, n)
        base = floor()
        print(f"  baseline: SpiffWorkflow alone {base:.2f} ms CPU per instance; the platform costs "
              f"{per / base:.0f}x that")
    finally:
        rig.stop_all()
        rig.probe.close()
        drop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--backlog", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    args, _ = parser.parse_known_args(argv)
    run(args.db, args.runs, args.backlog, [int(n) for n in args.workers.split(",")])


if __name__ == "__main__":
    main()
