"""GET /engine-rest/job?maxResults=10 and /job/count over many waiting timers, paged in SQL, against
the old Python paging (every job row loaded, sorted and sliced) in the same run.

    .venv/bin/python -m bench.jobs --db sqlite --timers 20000
    .venv/bin/python -m bench.jobs --db postgresql --timers 20000

Builds a throw-away database, bulk-inserts `timers` waiting instances of one process with one
unfired engine_timer row each (a boundary timer on every instance); 20 of them at an element
their instance logged a retry at, 10 of those failed steps waiting for a retry (the workflow
states are faked: the instances have no diagram; both paths read the same 20); 10 open failedJob
incidents. Then times the requests through the app's test client (API token, admin
mode): the first page, the first page by due date descending, the count, and the first page of
`messages=true`. The baseline swaps web.engine_rest.job's list_jobs/count_jobs for
tests/support/jobs_reference.py (the algorithm before). Never part of the test run.
"""
from __future__ import annotations

import argparse
import base64
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from sqlalchemy import insert

from bench._support import bench_app, make_database, p95

BATCH = 5000
REQUESTS = (("GET /job?maxResults=10", "/engine-rest/job?maxResults=10"),
            ("GET /job?sortBy=jobDueDate desc",
             "/engine-rest/job?maxResults=10&sortBy=jobDueDate&sortOrder=desc"),
            ("GET /job/count", "/engine-rest/job/count"),
            ("GET /job?messages=true", "/engine-rest/job?maxResults=10&messages=true"))


def build(db: object, timers: int) -> float:
    """The instances, their timers, a few retry waits and failed jobs; returns the seconds taken."""
    fake_states({})
    from engine.models import EngineTimer, Incident, InstanceEvent, ProcessInstance
    from org.models import utcnow
    from tests.support.engine_rows import make_instance

    started = time.perf_counter()
    first = make_instance(key="bench")
    due = utcnow() + timedelta(hours=1)
    ids: list[int] = []
    for start in range(0, timers, BATCH):
        rows = [{"version_id": first.version_id, "status": "waiting"}] * min(BATCH, timers - start)
        ids += db.session.scalars(insert(ProcessInstance).returning(ProcessInstance.id,
                                                                    sort_by_parameter_order=True), rows).all()
        db.session.execute(insert(EngineTimer), [
            {"instance_id": i, "element_id": "Late", "task_uuid": f"t{start + n}",
             "due_at": due + timedelta(seconds=start + n)} for n, i in enumerate(ids[start:])])
    db.session.execute(insert(InstanceEvent), [  # retried before: their workflow states are read
        {"instance_id": i, "kind": "retrying", "element_id": "Late", "message": "boom"} for i in ids[:20]])
    fake_states({i: {f"t{n}": 1} for n, i in enumerate(ids[:10])})
    db.session.execute(insert(Incident), [
        {"instance_id": i, "definition_id": first.version.definition_id, "element_id": "Compute",
         "kind": "failedJob", "message": "failed", "retries_left": 0} for i in ids[-10:]])
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE")
    db.session.commit()
    return time.perf_counter() - started


def fake_states(retry_waits: dict[int, dict[str, int]]) -> None:
    """The candidates' workflow states: {instance id: {task uuid: retries left}}, no diagrams."""
    from engine import spiff_adapter
    from engine.spiff import job_due

    spiff_adapter.load = lambda instance: instance.id
    job_due.retry_waits = lambda instance_id: retry_waits.get(instance_id, {})


def _login() -> dict:
    """HTTP Basic headers of an administrator's API token in admin mode."""
    from org.services.tokens import issue_token
    from org.services.users import create_user
    from transactions import unit_of_work

    with unit_of_work():
        user = create_user("bench@example.com", "Quiet-bay-42", actor=None, is_admin=True)
        token, row = issue_token(user)
        row.admin_mode = True
    pair = base64.b64encode(f"bench@example.com:{token}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def timed(client: object, path: str, headers: dict, runs: int) -> tuple[list[float], object]:
    """The milliseconds of `runs` calls after two warm-up ones, and the last answer's JSON."""
    samples = []
    for n in range(runs + 2):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.get_data(as_text=True)}")
        if n >= 2:  # two warm-up calls
            samples.append((time.perf_counter() - started) * 1000)
    return samples, answer.get_json()


def old_paths() -> None:
    """Serve /job and /job/count with the algorithm before (everything loaded, paged in Python)."""
    from tests.support import jobs_reference
    from web.engine_rest import job

    job.list_jobs = lambda where, *, actor, **page: jobs_reference.list_jobs(where, **page)
    job.count_jobs = lambda where, *, actor: jobs_reference.count_jobs(where)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--timers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--old-runs", type=int, default=5, help="runs of the (slow) old path")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' and every request's log line would drown the figures
    url, drop = make_database(args.db)
    app = bench_app(url)
    try:
        with app.app_context():
            from extensions import db

            print(f"{args.db}: {args.timers} waiting timers inserted in {build(db, args.timers):.1f} s")
            headers = _login()
            client = app.test_client()
            results = {label: timed(client, path, headers, args.runs) for label, path in REQUESTS}
            old_paths()
            baseline = {label: timed(client, path, headers, args.old_runs) for label, path in REQUESTS}
        for label, _ in REQUESTS:
            (new, answer), (old, before) = results[label], baseline[label]
            if answer != before:
                raise SystemExit(f"{label}: the answers differ from the old path's")
            print(f"  {label:34s} median {statistics.median(new):7.1f} ms  p95 {p95(new):7.1f} ms"
                  f"   | old: median {statistics.median(old):8.1f} ms  p95 {p95(old):8.1f} ms")
    finally:
        with app.app_context():
            from extensions import db

            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
