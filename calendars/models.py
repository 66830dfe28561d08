"""Calendars, events, attendees, external CalDAV calendars and their sync log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from extensions import NEVER_REUSE_IDS, db
from org.models import utcnow


class Calendar(db.Model):
    __tablename__ = "calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>", "workgroup:<id>", "external:<id>": one calendar each, even under races.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(16), default="#3b82f6")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    workgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("workgroup.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret in the read-only iCalendar feed URL; None: no feed.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Bumped on every change of an event: CalDAV clients and the feed compare it (ctag).
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarEvent(db.Model):
    __tablename__ = "calendar_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    # Naive UTC; all-day events hold midnight of their first day and of the day after the last.
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    private: Mapped[bool] = mapped_column(default=False)
    rrule: Mapped[str | None] = mapped_column(Text)
    # The end of the last occurrence (naive UTC); None: recurs for ever. Range queries use it.
    until_at: Mapped[datetime | None]
    reminders: Mapped[list] = mapped_column(JSON, default=list)
    # Whether `reminders` is non-empty (set with it): the reminder scan reads only these events.
    has_reminders: Mapped[bool] = mapped_column(default=False)
    # The EXDATEs as naive-UTC ISO strings: a simple series expands without parsing `ical`.
    exdates: Mapped[list] = mapped_column(JSON, default=list)
    crm_entity: Mapped[str | None] = mapped_column(String(16))
    crm_record_id: Mapped[int | None]
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The event as iCalendar (a VCALENDAR with the VEVENT and its exceptions): what CalDAV and
    # the feed serve, and what remote properties Flowdesk does not model survive in.
    ical: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str] = mapped_column(String(64), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    # The resource name in /dav/ (what a CalDAV client PUT it as, or "<uid>.ics").
    dav_href: Mapped[str | None] = mapped_column(String(255))
    # External calendars: where the event lives on the server, its ETag there, and whether
    # it changed here since the last sync (to be written to the server).
    remote_href: Mapped[str | None] = mapped_column(String(1000))
    remote_etag: Mapped[str | None] = mapped_column(String(255))
    dirty: Mapped[bool] = mapped_column(default=False)
    # Deleted here, not yet on the server (external calendars only); hidden everywhere.
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    calendar: Mapped[Calendar] = relationship()
    attendees: Mapped[list[EventAttendee]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventAttendee.id")

    __table_args__ = (
        UniqueConstraint("calendar_id", "uid", name="uq_calendar_event_uid"),
        UniqueConstraint("calendar_id", "dav_href", name="uq_calendar_event_dav_href"),
        Index("ix_calendar_event_range", "calendar_id", "start_at"),
        Index("ix_calendar_event_crm", "crm_entity", "crm_record_id"),
        Index("ix_calendar_event_reminders", "has_reminders", "start_at"),
        NEVER_REUSE_IDS,  # timeline entries and process variables name events by id
    )

    @validates("reminders")
    def _keep_has_reminders(self, _key: str, value: list | None) -> list | None:
        """Every write of `reminders` sets the indexed flag the reminder scan filters on."""
        self.has_reminders = bool(value)
        return value


class EventAttendee(db.Model):
    __tablename__ = "calendar_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="needs-action")

    event: Mapped[CalendarEvent] = relationship(back_populates="attendees")

    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_calendar_attendee"),)


class ExternalCalendar(db.Model):
    """A calendar on a CalDAV server, mirrored into a local calendar of its owner."""

    __tablename__ = "external_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(320), default="")
    password_enc: Mapped[str] = mapped_column(Text, default="")
    # The calendar collection found from `url` (itself, or through principal and home set).
    resolved_url: Mapped[str | None] = mapped_column(String(1000))
    ctag: Mapped[str | None] = mapped_column(String(255))
    sync_token: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(16), default="never")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    calendar: Mapped[Calendar] = relationship()


class SyncLogEntry(db.Model):
    """What a sync did that the person may want to know: conflicts, errors, counts."""

    __tablename__ = "calendar_sync_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[int] = mapped_column(
        ForeignKey("external_calendar.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # sync, conflict, error
    message: Mapped[str] = mapped_column(Text, default="")


class ReminderSent(db.Model):
    """A reminder sent: one row per event, occurrence start and lead time, so a beat run that
    repeats (a restart, two schedulers) finds it and sends nothing twice."""

    __tablename__ = "calendar_reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_event.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime]  # naive UTC, as the occurrence starts
    minutes: Mapped[int]  # the reminder: minutes before the start
    recipients: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "occurrence_start", "minutes",
                                       name="uq_calendar_reminder_sent"),
                      # the daily clean-up deletes by start (calendars.reminders.purge_sent)
                      Index("ix_calendar_reminder_sent_start", "occurrence_start"))
