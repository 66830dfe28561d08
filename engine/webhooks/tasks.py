"""Celery tasks of webhooks: take ids, reload, safe to run twice."""
from __future__ import annotations

from celery import shared_task

from engine.webhooks.service import DELIVER_TASK


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_task(delivery_id: int) -> str | None:
    """Make one attempt of a due delivery (nothing when it is not due or already sent)."""
    from engine.webhooks.delivery import deliver

    return deliver(delivery_id)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep_task() -> int:
    """Beat: send the deliveries whose next attempt is due (a lost countdown loses nothing)."""
    from engine.webhooks.delivery import due_deliveries

    due = due_deliveries()
    for delivery_id in due:
        deliver_task.delay(delivery_id)
    return len(due)
