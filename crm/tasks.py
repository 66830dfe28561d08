"""Celery tasks of the CRM: take ids, reload, and are safe to run twice."""
from __future__ import annotations

from celery import shared_task

from crm.events import RELAY_TASK, deliver_event, relay_pending
from transactions import kick


@shared_task(name="crm.relay_outbox", ignore_result=True)
def relay_outbox(limit: int = 500) -> int:
    """Deliver pending outbox events (kicked after commit and swept by beat)."""
    done = relay_pending(limit)
    if done >= limit:  # more may wait, whose kicks were coalesced into this run (kick_latch.py)
        kick(RELAY_TASK)
    return done


@shared_task(name="crm.deliver_event", ignore_result=True)
def deliver_one(event_id: int) -> bool:
    return deliver_event(event_id)


@shared_task(name="crm.run_import", ignore_result=True)
def run_import(job_id: int) -> None:
    """Import a job's rows a batch per transaction; a rerun goes on after the committed rows."""
    from crm.services.imports import run_import_batch
    from transactions import unit_of_work

    more = True
    while more:
        with unit_of_work():
            more = run_import_batch(job_id)


@shared_task(name="crm.resume_imports", ignore_result=True)
def resume_imports() -> int:
    """Start the imports that are queued or running but have not moved for a minute."""
    from crm.services.imports import stalled_imports
    from transactions import unit_of_work

    with unit_of_work():
        ids = stalled_imports()
    for job_id in ids:
        run_import.delay(job_id)
    return len(ids)
