"""Reminders: for each reminder of an event (and of each occurrence of a recurring one) that
fell due, one system mail to the owner and the attendees who accepted -- exactly once.

A row in calendar_reminder_sent (event, occurrence start, minutes; unique) is written in a
savepoint before the mails are queued in the same transaction: a second beat run, a restart
or a scheduler running twice finds the row (or waits for the other transaction and then hits
the unique key) and sends nothing. Private events remind their owner only.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from calendars.event_input import MAX_REMINDER_MINUTES
from calendars.models import CalendarEvent, ReminderSent
from calendars.services.events import occurrence_times
from calendars.states import AttendeeStatus
from calendars.zones import describe, person_zone
from extensions import db
from mail.outbox import queue_system_mail
from org.models import User, utcnow

log = logging.getLogger("flowdesk.calendars.reminders")
# A reminder that fell due longer ago than this (the workers were down) is not sent late.
LOOKBACK = timedelta(hours=12)
# Sent-records of occurrences that started longer ago than this are deleted: a reminder is due
# before its occurrence starts, so after LOOKBACK no run looks at them again (KEEP > LOOKBACK).
KEEP = timedelta(days=2)
KIND = "notification"


def due_reminders(now: datetime) -> list[tuple[CalendarEvent, datetime, str, int]]:
    """(event, occurrence start, title, minutes) of every reminder due in (now - LOOKBACK,
    now] whose occurrence has not ended."""
    query = (select(CalendarEvent).where(
        CalendarEvent.has_reminders.is_(True), CalendarEvent.deleted_at.is_(None),
        CalendarEvent.start_at <= now + timedelta(minutes=MAX_REMINDER_MINUTES),
        or_(CalendarEvent.until_at.is_(None), CalendarEvent.until_at > now))
        .options(selectinload(CalendarEvent.attendees), joinedload(CalendarEvent.calendar))
        .order_by(CalendarEvent.id))
    out = []
    for event in db.session.scalars(query):
        if not event.reminders:
            continue
        longest = timedelta(minutes=max(event.reminders))
        for begin, _finish, _rid, title in occurrence_times(event, now, now + longest + timedelta(minutes=1)):
            out += [(event, begin, title, m) for m in event.reminders
                    if now - LOOKBACK < begin - timedelta(minutes=m) <= now]
    return out


def recipients(event: CalendarEvent) -> list[User]:
    """The calendar's owner (the organizer for a workgroup's) and, unless the event is
    private, the attendees who accepted; active people only."""
    ids = [event.calendar.owner_id or event.organizer_id]
    if not event.private:
        ids += [a.user_id for a in event.attendees if a.status == AttendeeStatus.ACCEPTED]
    ids = list(dict.fromkeys(i for i in ids if i))
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return sorted((u for u in users if u.active and not u.is_system), key=lambda u: ids.index(u.id))


def _claim(event_id: int, start: datetime, minutes: int) -> ReminderSent | None:
    """The sent-record, new in this transaction; None when another run wrote it first."""
    if db.session.scalar(select(ReminderSent.id).where(
            ReminderSent.event_id == event_id, ReminderSent.occurrence_start == start,
            ReminderSent.minutes == minutes)) is not None:
        return None
    try:
        with db.session.begin_nested():
            row = ReminderSent(event_id=event_id, occurrence_start=start, minutes=minutes)
            db.session.add(row)
            db.session.flush()
        return row
    except IntegrityError:  # a concurrent run committed it meanwhile
        return None


def reminder_text(event: CalendarEvent, start: datetime, title: str, zone: str) -> tuple[str, str]:
    """(subject, body) of the mail, times in the recipient's zone."""
    when = describe(start, zone, event.all_day)
    body = [f"{title or 'Event'}", f"Starts: {when}"]
    if event.location:
        body.append(f"Place: {event.location}")
    body += ["", "Open your calendar in Flowdesk: /calendar"]
    return f"Reminder: {title or 'Event'} — {when}", "\n".join(body)


def purge_sent(now: datetime) -> int:
    """Delete the sent-records no run can need again (occurrence started before now - KEEP);
    how many. Idempotent; the caller commits."""
    result = db.session.execute(delete(ReminderSent).where(ReminderSent.occurrence_start < now - KEEP))
    return result.rowcount or 0


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue the mails of every due reminder not sent yet; how many mails. The caller commits."""
    now = now or utcnow()
    mails = 0
    for event, start, title, minutes in due_reminders(now):
        row = _claim(event.id, start, minutes)
        if row is None:
            continue
        for user in recipients(event):
            subject, body = reminder_text(event, start, title, person_zone(user))
            queue_system_mail(user.email, subject, body, KIND, None)
            row.recipients += 1
        mails += row.recipients
        log.info("Reminder of event %s at %s (%s min) to %s people", event.id, start, minutes, row.recipients)
    return mails
