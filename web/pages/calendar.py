"""The calendar page (FullCalendar, web/frontend/src/calendar.js) and the JSON it talks to
with the session: occurrences in a range, create, move/resize or edit, delete. Each route
calls one service of calendars; bad input answers 4xx JSON naming the field."""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, render_template, request

from calendars.ical import to_utc
from calendars.serialize import event_to_dict
from calendars.services import calendars as cal_svc
from calendars.services import events as svc
from calendars.services import occurrences as occ_svc
from calendars.services.agenda import agenda, busy_times
from calendars.states import Visibility
from calendars.zones import local_iso, person_zone
from errors import ServiceError, ValidationError
from org.services.users import list_users
from web.pages import pages
from web.pages.common import me


def _json_error(exc: ServiceError):
    return jsonify(exc.to_dict()), exc.status  # the request's unit of work rolls back (>= 400)


def _zone() -> str:
    return person_zone(me())


def _when(name: str) -> datetime:
    """A bound of the range FullCalendar asks for: wall-clock time in the person's zone."""
    try:
        return to_utc(datetime.fromisoformat(request.args.get(name, "").replace("Z", "+00:00")), _zone())
    except ValueError:
        raise ValidationError.from_fields({name: "An ISO 8601 date or date-time"}) from None


def _local(items: list[dict]) -> list[dict]:
    """Times as wall-clock times in the person's zone, the calendar's time zone (FullCalendar
    shows a named zone's times as given)."""
    zone = _zone()
    if zone == "UTC":
        return items  # FullCalendar reads the "Z" times as they are
    return [{**i, "start": local_iso(i["start"], zone), "end": local_iso(i["end"], zone)} for i in items]


@pages.get("/calendar")
def calendar_page():
    """Day, week, month and agenda views of the person's calendars."""
    rows = cal_svc.list_calendars(actor=me())
    calendars = [{"id": c.id, "name": c.name, "kind": c.kind, "color": c.color} for c, _v in rows]
    # "Schedule a meeting" on a record page: the dialog opens linked to that record.
    record = request.args.get("record", "")
    record = record if record.count(":") == 1 and record.split(":")[1].isdigit() else ""
    people = [(u.id, u.full_name) for u in list_users() if u.id != me().id]
    return render_template("calendar/index.html", calendars=calendars, record=record, people=people,
                           time_zone=_zone(),
                           record_title=request.args.get("title", "")[:200] if record else "")


@pages.get("/calendar/people/<int:user_id>/busy.json")
def calendar_busy_json(user_id: int):
    """A colleague's busy times, for the invite dialog."""
    try:
        return jsonify(_local(busy_times(user_id, _when("start"), _when("end"), actor=me())))
    except ServiceError as exc:
        return _json_error(exc)


@pages.get("/calendar/<int:calendar_id>/events.json")
def calendar_events_json(calendar_id: int):
    try:
        return jsonify(_local(agenda(calendar_id, _when("start"), _when("end"), actor=me())))
    except ServiceError as exc:
        return _json_error(exc)


@pages.post("/calendar/<int:calendar_id>/events.json")
def calendar_event_create(calendar_id: int):
    try:
        event = svc.create_event(calendar_id, request.get_json(silent=True) or {}, actor=me())
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(event_to_dict(event, Visibility.FULL)), 201


@pages.patch("/calendar/events/<int:event_id>.json")
def calendar_event_update(event_id: int):
    try:
        event = svc.update_event(event_id, request.get_json(silent=True) or {}, actor=me())
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(event_to_dict(event, Visibility.FULL))


@pages.delete("/calendar/events/<int:event_id>.json")
def calendar_event_delete(event_id: int):
    try:
        svc.delete_event(event_id, actor=me())
    except ServiceError as exc:
        return _json_error(exc)
    return "", 204


@pages.patch("/calendar/events/<int:event_id>/occurrences/<rid>.json")
def calendar_occurrence_update(event_id: int, rid: str):
    """Drag or edit of one occurrence: `?scope=this` or `following`."""
    try:
        event = occ_svc.update_occurrence(event_id, rid, request.get_json(silent=True) or {},
                                          request.args.get("scope", "this"), actor=me())
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(event_to_dict(event, Visibility.FULL))


@pages.delete("/calendar/events/<int:event_id>/occurrences/<rid>.json")
def calendar_occurrence_delete(event_id: int, rid: str):
    try:
        occ_svc.delete_occurrence(event_id, rid, request.args.get("scope", "this"), actor=me())
    except ServiceError as exc:
        return _json_error(exc)
    return "", 204
