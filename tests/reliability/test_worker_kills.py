"""A Celery worker killed with SIGKILL at random moments while leads are created.

Each lead starts a process that comments on the lead (a service task) and then waits at a
user task. Whatever the kills interrupt, in the end every lead has exactly one instance,
one comment, and its instance waits with exactly one inbox task.
"""
from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import func, select

from crm.models import TimelineEntry
from engine.models import ActivityRun, InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, enum_field, service_task, user_task
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.reliability.fault_rig import wait_settled

pytestmark = pytest.mark.services
KILLS = 10
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_TIMER_SECONDS": "1",
       "FLOWDESK_ENGINE_STALE_SECONDS": "2"}
COMMENT_THEN_REVIEW = chain(
    "comment_then_review",
    service_task("Comment", "crm.add_comment", entity="lead", id="${record.id}", text="Seen"),
    user_task("Review", "Review lead", fields=enum_field("verdict", "good", "bad")),
    message="lead.created")


def _killer(cluster, kills: list[float], errors: list[BaseException], done: threading.Event) -> None:
    """Start a worker, let it work a random moment, SIGKILL it; KILLS times."""
    rng = random.Random()
    try:
        while len(kills) < KILLS:
            worker = cluster.worker(**ENV)
            time.sleep(rng.uniform(0.1, 2.0))
            worker.kill()
            kills.append(time.monotonic())
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)
    finally:
        done.set()


def _comments_per_lead() -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(
        select(TimelineEntry.record_id, func.count()).where(
            TimelineEntry.entity == "lead", TimelineEntry.kind == "comment")
        .group_by(TimelineEntry.record_id)).all())


def test_worker_killed_ten_times_while_leads_are_created(api, kicking, celery_cluster):
    deploy(api, COMMENT_THEN_REVIEW)
    celery_cluster.beat(**ENV)
    kills: list[float] = []
    errors: list[BaseException] = []
    done = threading.Event()
    started = time.monotonic()
    threading.Thread(target=_killer, args=(celery_cluster, kills, errors, done), daemon=True).start()
    leads = []
    while not done.is_set():
        leads.append(create_lead(api, f"Lead {len(leads)}")["id"])
        time.sleep(0.6)
    assert not errors, errors
    print(f"{len(kills)} SIGKILLs in {time.monotonic() - started:.1f} s, {len(leads)} leads created")

    celery_cluster.worker(**ENV)  # a worker that survives
    settled = wait_settled("every lead to have one instance waiting at one task")
    comments = _comments_per_lead()
    print(f"comments per lead: {sorted(set(comments.values()))} over {len(comments)} leads")
    assert len(kills) >= KILLS
    assert settled.leads == len(leads)
    assert comments == {lead_id: 1 for lead_id in leads}, _story(  # the activity ran once per lead
        [lead for lead, n in comments.items() if n != 1], celery_cluster)


def _story(lead_ids: list[int], cluster) -> str:
    """What happened to the leads whose activity did not run once: their rows, the workers' errors."""
    lines = []
    for lead_id in lead_ids:
        for inst in db.session.scalars(select(ProcessInstance).where(
                ProcessInstance.entity == "lead", ProcessInstance.entity_id == lead_id)):
            lines.append(f"lead {lead_id}: instance {inst.id} v{inst.lock_version} {inst.status}")
            log = select(InstanceEvent).where(InstanceEvent.instance_id == inst.id).order_by(InstanceEvent.id)
            lines += [f"  {e.kind} {e.element_id} {e.created_at} {e.message}"
                      for e in db.session.scalars(log)]
            runs = select(ActivityRun).where(ActivityRun.instance_id == inst.id)
            lines += [f"  activity_run {r.task_uuid} {r.topic}" for r in db.session.scalars(runs)]
        comments = select(TimelineEntry).where(
            TimelineEntry.entity == "lead", TimelineEntry.record_id == lead_id,
            TimelineEntry.kind == "comment")
        lines += [f"  comment {t.id} {t.created_at}" for t in db.session.scalars(comments)]
    errors = [line for proc in cluster.processes for line in proc.log().splitlines() if "Error" in line]
    return "\n".join(lines + errors[:40])
