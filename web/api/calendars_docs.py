"""OpenAPI entries for calendars, events and external (CalDAV) calendars."""
from __future__ import annotations

from web.api.openapi import items_of, op, param, path_id, ref, register_paths

TAG, EXT = "Calendars", "External calendars"
ID = {"type": "integer", "minimum": 1}
NULL_ID = {"type": ["integer", "null"], "minimum": 1}
TEXT = {"type": "string"}
NULL_TEXT = {"type": ["string", "null"]}
FLAG = {"type": "boolean"}
WHEN = {"type": "string", "description": "ISO 8601: a date-time (UTC, Z) or, all-day, a date"}
RECORD = {"type": ["object", "null"], "properties": {"entity": TEXT, "id": ID},
          "description": "A linked CRM record; the event shows on its timeline"}


def _obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


EVENT_INPUT = {
    "title": {"type": "string", "minLength": 1, "maxLength": 500}, "start": WHEN, "end": WHEN,
    "all_day": FLAG, "timezone": {"type": "string", "description": "IANA name; naive times are read in it"},
    "location": TEXT, "description": TEXT, "private": FLAG,
    "rrule": {**NULL_TEXT, "description": "RFC 5545 RRULE value, e.g. FREQ=WEEKLY;COUNT=10"},
    "exdates": {"type": "array", "items": WHEN, "description": "Occurrences left out (EXDATE)"},
    "reminders": {"type": "array", "items": {"type": "integer", "minimum": 0},
                  "description": "Minutes before the start"},
    "attendee_ids": {"type": "array", "items": ID}, "record": RECORD,
}
SCHEMAS = {
    "Calendar": _obj({"id": ID, "name": TEXT, "kind": {"enum": ["personal", "workgroup", "external"]},
                      "color": TEXT, "owner_id": NULL_ID, "workgroup_id": NULL_ID,
                      "access": {"enum": ["full", "busy"]},
                      "feed": {"type": ["boolean", "null"], "description": "Whether a feed URL is live"}}),
    "CalendarList": items_of("Calendar"),
    "Event": {"type": "object", "required": ["calendar_id", "start", "end", "all_day", "busy"],
              "description": "An event or occurrence; busy ones carry only times (event_id null); in "
                             "your own calendar also your open CRM tasks due (kind task, task_id)",
              "properties": {**EVENT_INPUT, "id": ID, "event_id": NULL_ID, "calendar_id": ID, "busy": FLAG,
                             "uid": TEXT, "recurrence_id": NULL_TEXT, "organizer_id": NULL_ID,
                             "kind": {"enum": ["task", "inbox"]}, "task_id": ID, "inbox_task_id": ID,
                             "unclaimed": {**FLAG, "description": "Your groups' inbox task, unclaimed"},
                             "editable": FLAG,
                             "updated_at": TEXT, "attendees": {"type": "array", "items": _obj({
                                 "user_id": ID,
                                 "status": {"enum": ["needs-action", "accepted", "declined"]}})}}},
    "EventList": items_of("Event"),
    "EventCreate": _obj(EVENT_INPUT, required=["title", "start"]),
    "EventPatch": _obj(EVENT_INPUT, required=[]),
    "EventResponse": _obj({"status": {"enum": ["accepted", "declined"]}}),
    "FeedUrl": _obj({"url": TEXT}),
    "ExternalCalendar": _obj({
        "id": ID, "name": TEXT, "url": TEXT, "username": TEXT, "calendar_id": ID,
        "state": {"enum": ["never", "ok", "error"]}, "last_error": NULL_TEXT,
        "last_sync_at": NULL_TEXT, "last_success_at": NULL_TEXT, "resolved_url": NULL_TEXT}),
    "ExternalCalendarList": items_of("ExternalCalendar"),
    "ExternalCalendarInput": _obj({"name": {"type": "string", "minLength": 1, "maxLength": 200},
                                   "url": {"type": "string", "format": "uri"}, "username": TEXT,
                                   "password": {"type": "string", "writeOnly": True}}, required=[]),
    "SyncLogEntry": _obj({"at": TEXT, "kind": {"enum": ["sync", "conflict", "error"]}, "message": TEXT}),
    "SyncLog": items_of("SyncLogEntry"),
}


def _paths() -> dict:
    cid, eid = path_id("calendar_id"), path_id("event_id")
    event = ref("Event")
    return {
        "/calendars": {"get": op("Your calendars (own, workgroups', external)", tag=TAG,
                                 operation_id="list_calendars", response=ref("CalendarList"),
                                 params=[param("user_id", schema=ID, description="Another person's")])},
        "/calendars/{calendar_id}": {"get": op("One calendar", tag=TAG, operation_id="get_calendar",
                                               params=[cid], response=ref("Calendar"))},
        "/calendars/{calendar_id}/events": {
            "get": op("Occurrences in a range (recurring events expanded)", tag=TAG,
                      operation_id="list_calendar_events", response=ref("EventList"),
                      params=[cid, param("from", required=True), param("to", required=True)]),
            "post": op("Create an event", tag=TAG, operation_id="create_event", params=[cid],
                       status="201", body=ref("EventCreate"), response=event)},
        "/calendars/{calendar_id}/feed": {
            "post": op("A new secret iCalendar feed URL (the old one stops working)", tag=TAG,
                       operation_id="issue_calendar_feed", params=[cid], status="201",
                       response=ref("FeedUrl")),
            "delete": op("Switch the feed off", tag=TAG, operation_id="revoke_calendar_feed",
                         params=[cid], status="204")},
        "/events/{event_id}": {
            "get": op("One event", tag=TAG, operation_id="get_event", params=[eid], response=event),
            "patch": op("Change an event", tag=TAG, operation_id="update_event", params=[eid],
                        body=ref("EventPatch"), response=event),
            "delete": op("Delete an event", tag=TAG, operation_id="delete_event", params=[eid],
                         status="204")},
        "/events/{event_id}/occurrences/{recurrence_id}": _occurrence_paths(eid, event),
        "/events/{event_id}/response": {"post": op(
            "Accept or decline an invitation", tag=TAG, operation_id="respond_event", params=[eid],
            body=ref("EventResponse"), response=event)},
    }


def _occurrence_paths(eid: dict, event: dict) -> dict:
    rid = param("recurrence_id", "path", {"type": "string"},
                "The occurrence's recurrence_id (its original start, ISO 8601 UTC)")
    scope = param("scope", schema={"enum": ["this", "following"], "default": "this"},
                  description="This occurrence only, or it and those after (the series splits there)")
    return {
        "patch": op("Change or move one occurrence of a recurring event", tag=TAG,
                    description="scope=this takes title, start, end, location, description and "
                                "timezone (an override with RECURRENCE-ID); scope=following takes "
                                "every field and answers the new series that starts there",
                    operation_id="update_occurrence", params=[eid, rid, scope],
                    body=ref("EventPatch"), response=event),
        "delete": op("Leave one occurrence out (EXDATE), or end the series before it", tag=TAG,
                     operation_id="delete_occurrence", params=[eid, rid, scope], status="204")}


def _external_paths() -> dict:
    xid = path_id("external_id")
    return {
        "/calendars/external": {
            "get": op("Your external calendars", tag=EXT, operation_id="list_external_calendars",
                      response=ref("ExternalCalendarList")),
            "post": op("Add an external CalDAV calendar (URL of a calendar or of a server)", tag=EXT,
                       operation_id="create_external_calendar", status="201",
                       body=ref("ExternalCalendarInput"), response=ref("ExternalCalendar"))},
        "/calendars/external/{external_id}": {
            "get": op("One external calendar", tag=EXT, operation_id="get_external_calendar",
                      params=[xid], response=ref("ExternalCalendar")),
            "patch": op("Change an external calendar", tag=EXT, operation_id="update_external_calendar",
                        params=[xid], body=ref("ExternalCalendarInput"), response=ref("ExternalCalendar")),
            "delete": op("Remove an external calendar (and its local copy)", tag=EXT,
                         operation_id="delete_external_calendar", params=[xid], status="204")},
        "/calendars/external/{external_id}/sync": {"post": op(
            "Synchronise now", tag=EXT, operation_id="sync_external_calendar", params=[xid],
            response=ref("ExternalCalendar"))},
        "/calendars/external/{external_id}/log": {"get": op(
            "The sync log (conflicts, errors)", tag=EXT, operation_id="external_calendar_log",
            params=[xid], response=ref("SyncLog"))},
    }


register_paths({**_paths(), **_external_paths()}, schemas=SCHEMAS)
