"""Calendar activities: put a meeting in a person's calendar (default: the record's responsible)."""
from __future__ import annotations

from calendars.services.calendars import personal_calendar
from calendars.services.events import create_event as create_event_service
from engine.activities.base import (
    ActivityContext,
    Param,
    Topic,
    deadline_text,
    fail,
    from_service_error,
    given,
)
from engine.activities.crm_records import RECORD_ENTITIES, default_responsible, record_ref
from engine.assignment import find_active_user
from errors import ServiceError
from extensions import db
from org.models import User

TOPIC = "calendar.create_event"
RENAME = {"start": "start", "record": "record_id", "attendee_ids": "attendees"}


def _user(params: dict, name: str, ctx: ActivityContext) -> User:
    if given(params, name):
        user = find_active_user(params[name])
        if user is None:
            raise fail(TOPIC, name, f"No active user {params[name]!r}")
        return user
    user_id = default_responsible(ctx)
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        raise fail(TOPIC, name, "Name the person whose calendar gets the event")
    return user


def _attendees(params: dict) -> list[int]:
    raw = params.get("attendees") or []
    if not isinstance(raw, list):
        raise fail(TOPIC, "attendees", "A list of user ids or e-mails")
    ids = []
    for item in raw:
        user = find_active_user(item)
        if user is None:
            raise fail(TOPIC, "attendees", f"No active user {item!r}")
        ids.append(user.id)
    return ids


def create_event(params: dict, ctx: ActivityContext) -> dict:
    """An event in the owner's calendar, linked to the process's record unless told otherwise."""
    owner = _user(params, "owner", ctx)
    data: dict = {"title": params.get("title"), "start": deadline_text(TOPIC, "start", params.get("start")),
                  "attendee_ids": _attendees(params)}
    if given(params, "end"):
        data["end"] = deadline_text(TOPIC, "end", params["end"])
    for name in ("location", "description", "timezone"):
        if given(params, name):
            data[name] = str(params[name])
    own = ctx.entity in RECORD_ENTITIES and ctx.entity_id is not None
    if given(params, "entity") or given(params, "record_id") or own:
        entity, record_id = record_ref(TOPIC, params, ctx, id_param="record_id")
        data["record"] = {"entity": entity, "id": record_id}
    try:
        event = create_event_service(personal_calendar(owner).id, data, actor=ctx.actor)
    except ServiceError as exc:
        raise from_service_error(TOPIC, exc, rename=RENAME) from exc
    return {"event_id": event.id}


TOPICS: tuple[Topic, ...] = (
    Topic(TOPIC, "Put an event (a meeting) in a person's calendar, linked to a record.", (
        Param("title", "Event title", required=True),
        Param("start", "ISO date-time, or a duration from now such as P2D", required=True, type="date"),
        Param("end", "ISO date-time or duration from now; default one hour after the start", type="date"),
        Param("owner", "User id or e-mail whose calendar gets it; defaults to the record's responsible"),
        Param("attendees", "User ids or e-mails invited", type="list"),
        Param("location", "Place"),
        Param("description", "Description"),
        Param("timezone", "IANA time zone for times without an offset (default UTC)"),
        Param("entity", "Record type the event is about; defaults to the process's record"),
        Param("record_id", "Record id the event is about; defaults to the process's record", type="integer"),
    ), "event_id", create_event, result_description="The new event's id"),
)
