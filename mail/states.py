"""Statuses and kinds the mail code compares. StrEnums: each member is its string, so stored
values, JSON answers and templates stay exactly what they were."""
from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """A bulk send (Job.status)."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"  # paused by the hourly limit
    HELD = "held"  # no SMTP server is set: sent once one is (mail.outbox.release_held_now)
    DONE = "done"


OPEN_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING)


class ItemStatus(StrEnum):
    """One recipient of a bulk send (JobItem.status)."""

    PENDING = "pending"
    SENDING = "sending"  # committed before the SMTP transaction
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class MessageStatus(StrEnum):
    """A received mail (MailMessage.status)."""

    LOGGED = "logged"  # filed on at least one record
    UNASSIGNED = "unassigned"
    FAILED = "failed"  # could not be parsed or stored


class MailboxKind(StrEnum):
    """Mailbox.kind, and MailMessage.source: which mailbox a message came through."""

    CRM = "crm"
    PERSONAL = "personal"


class MailboxState(StrEnum):
    NEW = "new"
    OK = "ok"
    ERROR = "error"
