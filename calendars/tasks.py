"""Celery tasks: sync one external calendar (by id; idempotent), and the beat sweep."""
from __future__ import annotations

from celery import shared_task
from sqlalchemy import select

from calendars.models import ExternalCalendar
from calendars.reminders import purge_sent, send_due_reminders
from calendars.sync import sync_external
from extensions import db
from org.models import utcnow
from transactions import enqueue_after_commit, unit_of_work


@shared_task(name="calendars.sync_external", ignore_result=True)
def sync_external_task(external_id: int) -> None:
    """One sync in its own unit of work; a second run finds nothing new."""
    with unit_of_work():
        sync_external(external_id)


@shared_task(name="calendars.sync_all", ignore_result=True)
def sync_all() -> int:
    """Queue a sync of every external calendar (beat, FLOWDESK_CALDAV_SYNC_MINUTES)."""
    with unit_of_work():
        ids = list(db.session.scalars(select(ExternalCalendar.id)))
        for external_id in ids:
            enqueue_after_commit("calendars.sync_external", external_id)
    return len(ids)


@shared_task(name="calendars.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Beat (FLOWDESK_CALENDAR_REMINDER_SECONDS): the reminders that fell due, each sent once."""
    with unit_of_work():
        return send_due_reminders()


@shared_task(name="calendars.purge_sent_reminders", ignore_result=True)
def purge_sent_reminders() -> int:
    """Beat (daily): delete the sent-reminder records of occurrences that started days ago."""
    with unit_of_work():
        return purge_sent(utcnow())
