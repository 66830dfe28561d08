"""The domain events of calendar events, declared in the catalogue (crm/event_types.py).

An event linked to a CRM record is recorded about that record (entity and id of the lead,
deal...), so a process running on the record can wait for "a meeting was scheduled"; an
unlinked one about itself (entity "event").
"""
from __future__ import annotations

from enum import StrEnum

from crm.event_types import declare_types


class EventChange(StrEnum):
    CREATED = "event.created"
    UPDATED = "event.updated"
    DELETED = "event.deleted"


ENTITY = "event"

declare_types((EventChange.CREATED, EventChange.UPDATED), trigger=True)
declare_types((EventChange.DELETED,))
