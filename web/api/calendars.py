"""/calendars and /events: calendars, their events (occurrences in a range), invitations."""
from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, request

from calendars.ical import to_utc
from calendars.models import Calendar, ExternalCalendar
from calendars.serialize import event_to_dict
from calendars.services import calendars as cal_svc
from calendars.services import events as svc
from calendars.services import external as ext_svc
from calendars.services import occurrences as occ_svc
from calendars.services.agenda import agenda
from calendars.states import Visibility
from crm.serialize import json_value
from errors import ValidationError
from web.api import api, json_body


def calendar_to_dict(cal: Calendar, view: Visibility) -> dict:
    return {"id": cal.id, "name": cal.name, "kind": cal.kind, "color": cal.color,
            "owner_id": cal.owner_id, "workgroup_id": cal.workgroup_id, "access": view,
            "feed": cal.feed_token_hash is not None if view == Visibility.FULL else None}


def _when(name: str) -> datetime:
    raw = request.args.get(name, "")
    try:
        return to_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise ValidationError.from_fields({name: "An ISO 8601 date or date-time"}) from None


@api.get("/calendars")
def list_calendars():
    """The caller's calendars; `?user_id=` another person's (busy times)."""
    raw = request.args.get("user_id")
    if raw is not None and not raw.isdigit():
        raise ValidationError.from_fields({"user_id": "A user id"})
    rows = cal_svc.list_calendars(actor=g.actor, user_id=int(raw) if raw else None)
    return jsonify({"items": [calendar_to_dict(c, v) for c, v in rows]})


@api.get("/calendars/<int:calendar_id>")
def get_calendar(calendar_id: int):
    return jsonify(calendar_to_dict(*cal_svc.get_calendar(calendar_id, actor=g.actor)))


@api.get("/calendars/<int:calendar_id>/events")
def list_events(calendar_id: int):
    """Occurrences overlapping [from, to), recurring events expanded; the caller's own CRM tasks
    due then in their own calendar."""
    return jsonify({"items": agenda(calendar_id, _when("from"), _when("to"), actor=g.actor)})


@api.post("/calendars/<int:calendar_id>/events")
def create_event(calendar_id: int):
    event = svc.create_event(calendar_id, json_body(), actor=g.actor)
    return jsonify(event_to_dict(event, Visibility.FULL)), 201


@api.post("/calendars/<int:calendar_id>/feed")
def issue_feed(calendar_id: int):
    """A new secret feed URL (the previous one stops working)."""
    token = cal_svc.issue_feed_token(calendar_id, actor=g.actor)
    return jsonify({"url": request.host_url.rstrip("/") + f"/calendars/feed/{token}.ics"}), 201


@api.delete("/calendars/<int:calendar_id>/feed")
def revoke_feed(calendar_id: int):
    cal_svc.revoke_feed_token(calendar_id, actor=g.actor)
    return "", 204


@api.get("/events/<int:event_id>")
def get_event(event_id: int):
    return jsonify(event_to_dict(*svc.get_event(event_id, actor=g.actor)))


@api.patch("/events/<int:event_id>")
def update_event(event_id: int):
    event = svc.update_event(event_id, json_body(), actor=g.actor)
    return jsonify(event_to_dict(event, Visibility.FULL))


@api.delete("/events/<int:event_id>")
def delete_event(event_id: int):
    svc.delete_event(event_id, actor=g.actor)
    return "", 204


@api.patch("/events/<int:event_id>/occurrences/<recurrence_id>")
def update_occurrence(event_id: int, recurrence_id: str):
    """One occurrence (`?scope=this`, the default) or it and those after (`scope=following`:
    the answer is the new series that starts there)."""
    event = occ_svc.update_occurrence(event_id, recurrence_id, json_body(), request.args.get("scope", "this"),
                                      actor=g.actor)
    return jsonify(event_to_dict(event, Visibility.FULL))


@api.delete("/events/<int:event_id>/occurrences/<recurrence_id>")
def delete_occurrence(event_id: int, recurrence_id: str):
    """Leave one occurrence out (`?scope=this`) or end the series before it (`following`)."""
    occ_svc.delete_occurrence(event_id, recurrence_id, request.args.get("scope", "this"), actor=g.actor)
    return "", 204


@api.post("/events/<int:event_id>/response")
def respond_event(event_id: int):
    """An attendee's answer: {"status": "accepted" | "declined"}."""
    event = svc.respond(event_id, json_body().get("status"), actor=g.actor)
    return jsonify(event_to_dict(*svc.get_event(event.id, actor=g.actor)))


def external_to_dict(row: ExternalCalendar) -> dict:
    """The external calendar with its local calendar and last sync; never the password."""
    return {"id": row.id, "name": row.name, "url": row.url, "username": row.username,
            "calendar_id": row.calendar_id, "state": row.state, "last_error": row.last_error,
            "last_sync_at": json_value(row.last_sync_at), "last_success_at": json_value(row.last_success_at),
            "resolved_url": row.resolved_url}


@api.get("/calendars/external")
def list_external():
    return jsonify({"items": [external_to_dict(r) for r in ext_svc.list_external(actor=g.actor)]})


@api.post("/calendars/external")
def create_external():
    return jsonify(external_to_dict(ext_svc.create_external(json_body(), actor=g.actor))), 201


@api.get("/calendars/external/<int:external_id>")
def get_external(external_id: int):
    return jsonify(external_to_dict(ext_svc.get_external(external_id, actor=g.actor)))


@api.patch("/calendars/external/<int:external_id>")
def update_external(external_id: int):
    return jsonify(external_to_dict(ext_svc.update_external(external_id, json_body(), actor=g.actor)))


@api.delete("/calendars/external/<int:external_id>")
def delete_external(external_id: int):
    ext_svc.delete_external(external_id, actor=g.actor)
    return "", 204


@api.post("/calendars/external/<int:external_id>/sync")
def sync_external(external_id: int):
    """Sync now; the answer carries the state and error (200 even when the server failed)."""
    return jsonify(external_to_dict(ext_svc.sync_now(external_id, actor=g.actor)))


@api.get("/calendars/external/<int:external_id>/log")
def external_log(external_id: int):
    rows = ext_svc.sync_log(external_id, actor=g.actor)
    return jsonify({"items": [{"at": json_value(r.at), "kind": r.kind, "message": r.message} for r in rows]})
