"""Issue 18.5 in a Celery prefork worker: its children run scripts in their own script workers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, script_task
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.support.services import CeleryProcess, wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous for a shared machine; nothing here asserts timing
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_STALE_SECONDS": "5"}


def _ended(lead_id: int) -> dict[str, ProcessInstance] | None:
    """The lead's instances by process key, once none of ours is running any more."""
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    rows = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.entity == "lead", ProcessInstance.entity_id == lead_id))
    found = {instance.version.definition.key: instance for instance in rows}
    ours = [found.get(key) for key in ("spinner", "calc")]
    if any(instance is None or instance.status == "running" for instance in ours):
        return None
    return found


def test_a_prefork_worker_stops_a_runaway_script_and_runs_the_others(api, kicking, celery_cluster):
    deploy(api, chain("spinner", script_task("Spin", "x = sum(range(6 * 10**9))")))
    calc = "execution.setVariable('total', sum([n for n in range(7)]))"
    deploy(api, chain("calc", script_task("Calc", calc)))
    worker = CeleryProcess("worker", {**celery_cluster.env, **ENV}, celery_cluster.workdir,
                           ["--pool", "prefork", "-c", "2"])
    celery_cluster.processes.append(worker)
    worker.start()
    lead = create_lead(api, "Runaway in prefork")
    found = wait_until(lambda: _ended(lead["id"]), DEADLINE, 0.2, "both instances to end")
    spinner, calc = found["spinner"], found["calc"]
    assert spinner.status == "error" and spinner.error_element == "Spin", spinner.error_message
    assert "time limit of 1 s exceeded" in spinner.error_message
    assert calc.status == "completed", calc.error_message
    assert "prefork" in worker.log() or "concurrency: 2 (prefork)" in worker.log()
