"""Calendar events linked to CRM records follow a merge (crm.services.merge)."""
from __future__ import annotations

from calendars.models import CalendarEvent
from crm.services.merge import move_rows, register_mover


def move_events(entity: str, from_ids: list[int], to_id: int) -> int:
    """Point events linked to the merged records at the survivor."""
    return move_rows(CalendarEvent, entity, from_ids, to_id, entity_col="crm_entity", id_col="crm_record_id")


def register() -> None:
    register_mover("calendar_events", move_events)
