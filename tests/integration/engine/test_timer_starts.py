"""Timer start events: a schedule row per newest active version, fired by beat exactly once per
due time (also when fired twice or after a restart); redeploying replaces the schedule."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.event_models import TimerStartSchedule
from engine.timer_starts import fire_timer_start
from extensions import celery, db
from org.models import utcnow
from tests.integration.engine.event_diagrams import event, flows, process, task, timer
from tests.integration.engine.runtime_support import deploy, drive, instances, open_tasks


def _timer_process(text: str, kind: str = "timeCycle", user_task: str = "Report") -> bytes:
    body = (event("startEvent", "Every", timer(kind, text)) + task(user_task) + event("endEvent", "Done")
            + flows("Every", user_task, "Done"))
    return process("reporting", body)


def _schedules() -> list[TimerStartSchedule]:
    db.session.expire_all()
    return list(db.session.scalars(select(TimerStartSchedule).order_by(TimerStartSchedule.id)))


def _beat_tick() -> None:
    """What beat runs every few seconds, with the dispatched tasks run in-process."""
    from engine.tasks import fire_due_timers

    celery.conf.task_always_eager = True
    try:
        fire_due_timers.run()
    finally:
        celery.conf.task_always_eager = False


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.2)


def test_cycle_timer_start_fires_once_per_due_time_across_restarts(api):
    from engine.spiff.serializer import cached_spec
    from engine.spiff_adapter import forget_specs

    version = deploy(api, _timer_process("R2/PT1S"))
    (row,) = _schedules()
    assert (row.kind, row.expression, row.remaining) == ("cycle", "R2/PT1S", 2)
    assert 0 < (row.next_due_at - utcnow()).total_seconds() <= 1.1
    first_due = row.next_due_at
    _beat_tick()
    assert instances() == []  # not due yet

    cached_spec.cache_clear()  # a restart: caches and connections gone, the rows remain
    forget_specs()
    db.session.remove()
    db.engine.dispose()
    _sleep_until(first_due)
    _beat_tick()
    drive()
    (first,) = instances()
    assert first.start_event_id.endswith(first_due.strftime("%Y%m%dT%H%M%S"))
    assert first.version.number == version["version"]
    assert [t.element_id for t in open_tasks(first.id)] == ["Report"]
    (row,) = _schedules()
    assert row.remaining == 1 and row.next_due_at > first_due

    second_due = row.next_due_at
    # A second beat that read the row before the first one committed:
    row.next_due_at, row.remaining = first_due, 2
    db.session.commit()
    assert fire_timer_start(row.id) is None and len(instances()) == 1

    _sleep_until(second_due)
    drive()
    assert len(instances()) == 2
    (row,) = _schedules()
    assert row.next_due_at is None and row.remaining == 0  # R2: done
    _beat_tick()
    assert len(instances()) == 2


def test_redeploying_replaces_the_schedule_and_cron_is_scheduled_as_camunda_writes_it(api):
    deploy(api, _timer_process("R/PT1H"))
    old_version_id = _schedules()[0].version_id
    newer = deploy(api, _timer_process("0 0 9 * * ?", user_task="Morning report"))
    (row,) = _schedules()
    assert row.version_id != old_version_id and row.kind == "cron" and newer["version"] == 2
    now = utcnow()
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    assert row.next_due_at == (nine if nine > now else nine + timedelta(days=1))
    row.next_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    drive()
    (started,) = instances()
    assert [t.element_id for t in open_tasks(started.id)] == ["Morning report"]
    assert _schedules()[0].next_due_at.hour == 9


def test_date_start_fires_once_and_a_deactivated_process_starts_nothing(api):
    deploy(api, _timer_process("2020-01-01T00:00:00Z", kind="timeDate"))
    drive()
    drive()
    assert len(instances()) == 1 and _schedules()[0].next_due_at is None
    deploy(api, _timer_process("R/PT1H", user_task="Hourly"))
    row = _schedules()[0]
    row.next_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.post("/processes/reporting/deactivate").status_code == 200
    drive()
    assert len(instances()) == 1
    assert _schedules()[0].next_due_at > utcnow()  # the due time passed without a start
