"""Kicks leave only after the real commit: PostgreSQL (or SQLite) + Redis + two real Celery
workers, a steady stream of new leads. The relay hands lead.created to the engine consumer in a
savepoint; the "run this instance" message must not leave when that savepoint is released
(the worker taking it would find no instance), only when the relay's transaction commits.
The sweeps that would rescue a lost kick are set to ten minutes, so a lead that reaches the
inbox within the test's wait did so through its kick. A slow test consumer after the engine's
keeps each relay transaction open a while after the engine's savepoint, as a busy machine does."""
from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import select

from crm.models import Lead
from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.support.outbox_probe import consumer_log
from tests.support.services import wait_until

pytestmark = pytest.mark.services
SWEEP = 600  # seconds: the outbox sweep and the stale-instance sweep
WAIT = SWEEP / 4  # waiting this long proves the kicks, not the sweeps, did the work
LEADS = 30
PACE = 0.5  # seconds between new leads: a steady stream, each relayed while the other worker idles
ENV = {"FLOWDESK_OUTBOX_SWEEP": str(SWEEP), "FLOWDESK_ENGINE_STALE_SECONDS": str(SWEEP),
       "FLOWDESK_EXTRA_MODULES": "tests.support.consumers", "FLOWDESK_TEST_CONSUMER_DELAY": "0.3"}


@pytest.fixture
def kicking(kicking):
    """The shared kicking fixture, with the table the slow test consumer writes to."""
    consumer_log.create(db.engine, checkfirst=True)
    try:
        yield
    finally:
        consumer_log.drop(db.engine, checkfirst=True)  # not part of the schema (test_migrations)


def _arrivals(lead_ids: list[int]) -> dict[int, float]:
    """Seconds from each lead's creation to its open inbox task, for leads that have one."""
    db.session.rollback()  # a fresh snapshot: the workers write from other processes
    rows = db.session.execute(
        select(Lead.id, Lead.created_at, HumanTask.created_at)
        .join(ProcessInstance, (ProcessInstance.entity == "lead") & (ProcessInstance.entity_id == Lead.id))
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(Lead.id.in_(lead_ids), HumanTask.state == "open"))
    return {lead_id: (task_at - lead_at).total_seconds() for lead_id, lead_at, task_at in rows}


def test_every_new_lead_reaches_the_inbox_through_its_kick(api, kicking, celery_cluster):
    deploy(api, review_lead())
    celery_cluster.worker(**ENV)
    celery_cluster.worker(**ENV)
    celery_cluster.beat(**ENV)  # as in production; its sweeps are ten minutes away
    lead_ids = []
    for n in range(LEADS):
        lead_ids.append(create_lead(api, f"Load {n}")["id"])
        time.sleep(PACE)

    def all_arrived() -> dict[int, float] | None:
        found = _arrivals(lead_ids)
        return found if len(found) == len(lead_ids) else None

    try:
        arrived = wait_until(all_arrived, WAIT, 0.25, "every lead's inbox task")
    except AssertionError:
        late = sorted(set(lead_ids) - set(_arrivals(lead_ids)))
        raise AssertionError(f"{len(late)} of {LEADS} leads still wait for the sweep: {late}") from None
    times = sorted(arrived.values())
    print(f"\ntime to inbox for {LEADS} leads: min {times[0]:.2f} s, median "
          f"{statistics.median(times):.2f} s, max {times[-1]:.2f} s")
