"""Reminders (calendars/reminders.py): sent once when due, even when the job runs twice;
owner and accepted attendees only; private events to the owner only; texts in each person's zone."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from calendars.models import ReminderSent
from calendars.reminders import send_due_reminders
from calendars.services.calendars import personal_calendar
from calendars.services.events import create_event, respond
from extensions import db
from mail.outbox import SystemMail
from transactions import unit_of_work

DUE = datetime(2026, 12, 8, 8, 40)  # 20 minutes before the second occurrence


@pytest.fixture
def people(make_user):
    ann = make_user("ann@example.com")
    bob = make_user("bob@example.com")
    carl = make_user("carl@example.com")
    bob.time_zone = "Europe/Berlin"
    db.session.commit()
    return ann, bob, carl


def run(now: datetime) -> int:
    with unit_of_work():
        return send_due_reminders(now)


def mails() -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted((m.to_address, m.subject) for m in db.session.scalars(
        select(SystemMail).where(SystemMail.kind == "notification")))


def test_a_due_reminder_goes_once_to_the_owner_and_who_accepted(people):
    ann, bob, carl = people
    with unit_of_work():
        event = create_event(personal_calendar(ann).id, {
            "title": "Daily", "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T09:30:00Z",
            "rrule": "FREQ=DAILY;COUNT=3", "reminders": [30], "attendee_ids": [bob.id, carl.id]}, actor=ann)
    with unit_of_work():
        respond(event.id, "accepted", actor=bob)
        respond(event.id, "declined", actor=carl)
    assert run(datetime(2026, 12, 8, 8, 0)) == 0  # not due yet
    assert run(DUE) == 2
    assert run(DUE) == 0 and run(datetime(2026, 12, 8, 8, 55)) == 0  # again, a restart: nothing
    assert mails() == [("ann@example.com", "Reminder: Daily — Tue 8 Dec 2026, 09:00 (UTC)"),
                       ("bob@example.com", "Reminder: Daily — Tue 8 Dec 2026, 10:00 (Europe/Berlin)")]
    sent = db.session.scalars(select(ReminderSent)).one()
    assert (sent.event_id, sent.occurrence_start, sent.minutes) == (event.id, datetime(2026, 12, 8, 9), 30)
    assert run(datetime(2026, 12, 9, 8, 45)) == 2  # the next occurrence has its own reminder


def test_a_private_event_reminds_its_owner_only(people):
    ann, bob, _carl = people
    with unit_of_work():
        event = create_event(personal_calendar(ann).id, {
            "title": "Doctor", "start": "2026-12-08T09:00:00Z", "private": True, "reminders": [30, 60],
            "attendee_ids": [bob.id]}, actor=ann)
    with unit_of_work():
        respond(event.id, "accepted", actor=bob)
    assert run(DUE) == 2  # both reminders fell due (the earlier one late, within the look-back)
    assert [to for to, _subject in mails()] == ["ann@example.com", "ann@example.com"]


def test_the_beat_job_is_scheduled(app):
    from extensions import celery

    entry = celery.conf.beat_schedule["calendar-reminders"]
    assert entry["task"] == "calendars.send_reminders" and "calendars.send_reminders" in celery.tasks


def test_sent_records_are_deleted_once_no_run_can_need_them(people):
    from calendars.reminders import purge_sent
    from calendars.services.events import update_event

    ann, _bob, _carl = people
    with unit_of_work():
        plain = create_event(personal_calendar(ann).id, {
            "title": "Quiet", "start": "2026-12-08T09:00:00Z", "end": "2026-12-08T09:30:00Z"}, actor=ann)
    assert plain.has_reminders is False  # the scan skips it by the index
    with unit_of_work():  # reminders added later: the flag follows
        update_event(plain.id, {"reminders": [20]}, actor=ann)
    assert db.session.get(type(plain), plain.id).has_reminders is True
    assert run(DUE) == 1 and len(db.session.scalars(select(ReminderSent)).all()) == 1

    def purge(now: datetime) -> int:
        with unit_of_work():
            return purge_sent(now)

    assert purge(datetime(2026, 12, 10, 8, 0)) == 0  # the occurrence started less than 2 days ago
    assert purge(datetime(2026, 12, 10, 9, 1)) == 1 and purge(datetime(2026, 12, 10, 9, 1)) == 0
    assert db.session.scalars(select(ReminderSent)).all() == []
    assert run(datetime(2026, 12, 10, 9, 1)) == 0  # long past: not sent again
    from extensions import celery

    assert celery.conf.beat_schedule["calendar-reminders-cleanup"]["task"] == "calendars.purge_sent_reminders"
