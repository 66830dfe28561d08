"""The states and kinds of calendars, attendees and external calendars."""
from __future__ import annotations

from enum import StrEnum


class CalendarKind(StrEnum):
    PERSONAL = "personal"
    WORKGROUP = "workgroup"
    EXTERNAL = "external"


class AttendeeStatus(StrEnum):
    NEEDS_ACTION = "needs-action"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SyncState(StrEnum):
    NEVER = "never"
    OK = "ok"
    ERROR = "error"


class Visibility(StrEnum):
    """What the actor sees of a calendar's events: everything, or busy times only."""

    FULL = "full"
    BUSY = "busy"
