"""Statuses and kinds the CRM code itself compares. StrEnums: each member is its string, so the
database values, JSON answers, event payloads and templates stay exactly what they were."""
from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class Semantic(StrEnum):
    """What a lead status or deal stage means to the platform (StatusValue.semantic)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"
    CONVERTED = "converted"
    JUNK = "junk"


CLOSED_SEMANTICS = (Semantic.WON, Semantic.LOST)  # a deal in such a stage is closed
LEAD_CONVERTED = "CONVERTED"  # the seeded lead status conversion sets (status codes are data)


class TimelineKind(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    COMMENT = "comment"
    CONVERTED = "converted"
    TASK = "task"
    MAIL = "mail"
    EVENT = "event"  # a calendar event linked to the record (calendars)
    FILE = "file"  # a drive file attached to the record (drive.services.attachments)
    MERGED = "merged"  # other records merged into this one (crm.services.merge)


class FieldKind(StrEnum):
    """Kinds of entity fields (crm/entities.py): how they are validated, shown and filtered."""

    STR = "str"
    TEXT = "text"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    REF = "ref"
    EMAILS = "emails"
    PHONES = "phones"
    STATUS = "status"
    BOOL = "bool"
    DATETIME = "datetime"
