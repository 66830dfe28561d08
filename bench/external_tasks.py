"""External task round trips through /engine-rest against a plain authenticated GET in the same run.

    .venv/bin/python -m bench.external_tasks --db sqlite
    .venv/bin/python -m bench.external_tasks --db postgresql --instances 200 --workers 4

Builds a throw-away database, serves the app with a threaded WSGI server on a free port, deploys a
diagram of two external tasks in a row (topic `bench`), starts the instances, then 4 worker threads
(HTTP Basic, e-mail + API token, as a Camunda client sends it) loop fetchAndLock (maxTasks 1) and
complete until every instance has ended: completing one task runs the instance on to the next
one, which the next fetch locks. Prints the round trip's median and p95 and the throughput, and
the same for GET /engine-rest/version (authentication and a JSON answer, nothing else) as the
baseline. Never part of the test run.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

import requests
from flask import Flask
from werkzeug.serving import make_server

from bench._support import bench_app, make_database, p95

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:serviceTask id="Step1" camunda:type="external" camunda:topic="bench" />
    <bpmn:serviceTask id="Step2" camunda:type="external" camunda:topic="bench" />
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Step1" />
    <bpmn:sequenceFlow id="F2" sourceRef="Step1" targetRef="Step2" />
    <bpmn:sequenceFlow id="F3" sourceRef="Step2" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""


def _login(app: Flask) -> tuple[str, str]:
    """An administrator's e-mail and an API token in admin mode."""
    from org.services.tokens import issue_token
    from org.services.users import create_user
    from transactions import unit_of_work

    with app.app_context(), unit_of_work():
        user = create_user("bench@example.com", "Quiet-bay-42", actor=None, is_admin=True,
                           first_name="Bench", last_name="Worker")
        token, row = issue_token(user)
        row.admin_mode = True
    return "bench@example.com", token


def _worker(url: str, auth: tuple[str, str], name: str, times: list[float], stop: threading.Event) -> None:
    """Fetch one task, complete it, again, until a fetch finds nothing left."""
    session = requests.Session()
    session.auth = auth
    body = {"workerId": name, "maxTasks": 1, "topics": [{"topicName": "bench", "lockDuration": 60_000}]}
    while not stop.is_set():
        started = time.perf_counter()
        tasks = session.post(f"{url}/external-task/fetchAndLock", json=body, timeout=60).json()
        if not tasks:
            return
        answer = session.post(f"{url}/external-task/{tasks[0]['id']}/complete",
                              json={"workerId": name, "variables": {"by": {"value": name}}}, timeout=60)
        if answer.status_code != 204:
            raise SystemExit(f"complete answered {answer.status_code}: {answer.text}")
        times.append((time.perf_counter() - started) * 1000)


def _baseline(url: str, auth: tuple[str, str], calls: int, workers: int) -> tuple[list[float], float]:
    """GET /version from `workers` threads: the latencies and the calls per second."""
    times: list[float] = []

    def loop() -> None:
        session = requests.Session()
        session.auth = auth
        for _ in range(calls // workers):
            started = time.perf_counter()
            session.get(f"{url}/version", timeout=60).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(times) / (time.perf_counter() - began)


def _show(label: str, runs: list[float], per_second: float) -> None:
    print(f"{label:<44} median {statistics.median(runs):7.1f} ms   p95 {p95(runs):7.1f} ms   "
          f"{per_second:7.1f}/s", flush=True)


def _start_all(url: str, auth: tuple[str, str], instances: int) -> None:
    session = requests.Session()
    session.auth = auth
    deployed = session.post(f"{url}/deployment/create", data={"deployment-name": "bench"},
                            files={"bench.bpmn": ("bench.bpmn", DIAGRAM)}, timeout=60)
    deployed.raise_for_status()
    for _ in range(instances):
        session.post(f"{url}/process-definition/key/bench/start", json={}, timeout=60).raise_for_status()


def _round_trips(url: str, auth: tuple[str, str], workers: int) -> tuple[list[float], float]:
    times: list[float] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_worker, args=(url, auth, f"w{i}", times, stop))
               for i in range(workers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(times) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the figures
    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        auth = _login(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/engine-rest"
        _start_all(base, auth, args.instances)
        print(f"{args.db}: {args.instances} instances x 2 external tasks, {args.workers} workers", flush=True)
        runs, rate = _baseline(base, auth, 400, args.workers)
        _show("baseline: GET /engine-rest/version", runs, rate)
        runs, rate = _round_trips(base, auth, args.workers)
        if len(runs) != 2 * args.instances:
            raise SystemExit(f"{len(runs)} round trips, expected {2 * args.instances}")
        _show("round trip: fetchAndLock + complete", runs, rate)
        server.shutdown()
    finally:
        from extensions import db

        with app.app_context():
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
