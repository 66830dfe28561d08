"""Celery tasks of the engine: take ids, reload, safe to run twice."""
from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from celery.signals import worker_shutting_down
from flask import current_app

import dbretry
from org.models import utcnow

# A transient database error retries the step after 1, 2, 4 ... 60 s (jittered). Past the
# last retry the instance stays as it was: still running, the beat's stale sweep sends it
# again (ENGINE_STALE_SECONDS); a waiting one keeps its due timer for the next beat.
MAX_RETRIES = 8


def _retry_transient(task: Task, exc: Exception) -> None:
    """Retry `task` with exponential backoff when `exc` is a transient database error."""
    if not dbretry.is_transient(exc):
        return
    base = float(current_app.config.get("ENGINE_RETRY_SECONDS", 1.0))
    raise task.retry(exc=exc, countdown=dbretry.backoff(task.request.retries, base),
                     max_retries=int(current_app.config.get("ENGINE_MAX_RETRIES", MAX_RETRIES)))


@shared_task(name="engine.run_instance", ignore_result=True, bind=True)
def run_instance_task(self: Task, instance_id: int) -> str | None:
    """Advance one instance to its next wait state (one transaction)."""
    from engine.runtime import run_instance

    try:
        return run_instance(instance_id)
    except Exception as exc:  # a busy or unreachable database: the step again, later
        _retry_transient(self, exc)
        raise


@shared_task(name="engine.fire_timers", ignore_result=True, bind=True)
def fire_timers_task(self: Task, instance_id: int) -> str | None:
    """Fire the due timers of one instance."""
    from engine.runtime import fire_timers

    try:
        return fire_timers(instance_id)
    except Exception as exc:
        _retry_transient(self, exc)
        raise


@shared_task(name="engine.migrate_instances", ignore_result=True, bind=True)
def migrate_instances_task(self: Task, migration_id: int) -> str | None:
    """Move a migration batch's instances to the new version (skips those already moved)."""
    from engine.instance_migration import run_migration

    try:
        return run_migration(migration_id)
    except Exception as exc:
        _retry_transient(self, exc)
        raise


@shared_task(name="engine.fire_timer_start", ignore_result=True)
def fire_timer_start_task(schedule_id: int) -> int | None:
    """Start the instance of a due timer start event (once per due time)."""
    from engine.timer_starts import fire_timer_start

    return fire_timer_start(schedule_id)


@shared_task(name="engine.fire_due_timers", ignore_result=True)
def fire_due_timers() -> int:
    """Beat: dispatch instances with a due timer, and re-dispatch stale running instances."""
    from engine.runtime import due_timer_instances, stale_running
    from engine.timer_starts import due_timer_starts

    due = due_timer_instances()
    for instance_id in due:
        fire_timers_task.delay(instance_id)
    for schedule_id in due_timer_starts():
        fire_timer_start_task.delay(schedule_id)
    stale_after = timedelta(seconds=current_app.config.get("ENGINE_STALE_SECONDS", 60))
    for instance_id in stale_running(utcnow() - stale_after):
        run_instance_task.delay(instance_id)
    from engine.instance_migration import pending_migrations

    for migration_id in pending_migrations(utcnow() - stale_after):  # a lost kick
        migrate_instances_task.delay(migration_id)
    return len(due)


@worker_shutting_down.connect
def _stop_engine_steps(**_kwargs: object) -> None:
    """A worker shutting down (SIGTERM): running steps stop at their next task boundary."""
    from engine.spiff.stepping import request_stop

    request_stop()


@shared_task(name="engine.clean_history", ignore_result=True)
def clean_history_task() -> int:
    """Beat: delete finished instances and their history past camunda:historyTimeToLive."""
    from engine.history_cleanup import clean_history

    return clean_history()


from engine.webhooks import tasks as _webhook_tasks  # noqa: E402,F401  (registers webhooks.deliver, .sweep)
