"""The inbox: user tasks of the caller and of the caller's groups; claim, release, complete."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import inbox
from engine.inbox_view import inbox_counts, list_inbox, tasks_to_dicts
from engine.states import HumanTaskState
from errors import ValidationError
from org.models import MAX_ID, valid_id
from web.api import api, json_body, page_args
from web.api.openapi import op, page_of, param, path_id, ref, register_paths


@api.get("/inbox")
def inbox_list():
    limit, cursor = page_args()
    entity_id = request.args.get("entity_id")
    if entity_id is not None and not valid_id(entity_id):  # bounded: PostgreSQL's integer range
        raise ValidationError.from_fields({"entity_id": "Expected a record id"})
    page = list_inbox(g.actor, scope=request.args.get("scope") or "mine,groups",
                      state=request.args.get("state") or "open", entity=request.args.get("entity"),
                      entity_id=int(entity_id) if entity_id else None, limit=limit, cursor=cursor)
    return jsonify({"items": tasks_to_dicts(page.items, actor=g.actor), "next": page.next})


@api.get("/inbox/counts")
def inbox_count():
    return jsonify(inbox_counts(g.actor))


@api.get("/inbox/<int:task_id>")
def inbox_item(task_id: int):
    return jsonify(inbox.task_to_dict(inbox.get_task(task_id, actor=g.actor), actor=g.actor))


@api.post("/inbox/<int:task_id>/claim")
def inbox_claim(task_id: int):
    return jsonify(inbox.task_to_dict(inbox.claim_task(task_id, actor=g.actor), actor=g.actor))


@api.post("/inbox/<int:task_id>/release")
def inbox_release(task_id: int):
    return jsonify(inbox.task_to_dict(inbox.release_task(task_id, actor=g.actor), actor=g.actor))


@api.post("/inbox/<int:task_id>/complete")
def inbox_complete(task_id: int):
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ValidationError.from_fields({"data": "Expected an object of form values"})
    row = inbox.complete_task(task_id, data, actor=g.actor)
    return jsonify(inbox.task_to_dict(row, actor=g.actor))


_TAG = "Inbox"
_ID = path_id("task_id")
_FIELD = {"type": "object", "required": ["id", "type", "label"], "properties": {
    "id": {"type": "string"}, "type": {"enum": ["string", "long", "boolean", "date", "enum"]},
    "label": {"type": "string"}, "default": {}, "required": {"type": "boolean"},
    "options": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}}}},
    "min": {}, "max": {}, "minlength": {}, "maxlength": {}, "readonly": {"type": "boolean"}}}
_PERSON = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}
_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "task_uuid": {"type": "string"},
    "element_id": {"type": "string"}, "name": {"type": "string"},
    "state": {"enum": list(HumanTaskState)},
    "process": {"type": ["object", "null"], "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"}}},
    "assignee": _PERSON, "claimed_by_id": {"type": ["integer", "null"]},
    "candidates": {"type": "object", "properties": {
        "users": {"type": "array", "items": {"type": "integer"}},
        "groups": {"type": "array", "items": {"type": "string"},
                   "description": "department:<id>, workgroup:<id>, lane:<name>, group:<name>"}}},
    "form": {"type": "array", "items": ref("InboxFormField")},
    "camunda_form": {"type": ["object", "null"], "description": "a single task's Camunda Form: key, version, "
                     "schema (form-js JSON) and data (the values its fields start from)"},
    "record": {"type": ["object", "null"], "description": "null when you may not read the record",
               "properties": {"entity": {"type": "string"}, "id": {"type": "integer"},
                              "title": {"type": "string"}}},
    "created_at": {"type": "string"}, "claimed_at": {"type": ["string", "null"]},
    "due_at": {"type": ["string", "null"]}, "completed_at": {"type": ["string", "null"]},
    "completed_by": _PERSON, "data": {"type": ["object", "null"]},
    "can_complete": {"type": "boolean"}}}

register_paths({
    "/inbox": {"get": op(
        "My open tasks and my groups' unclaimed tasks", tag=_TAG, operation_id="list_inbox",
        response=page_of("InboxItem"), params=[
            param("scope", schema={"type": "string", "default": "mine,groups"},
                  description="mine, groups, mine,groups or all (administrators)"),
            param("state", schema={"enum": [*HumanTaskState, "all"], "default": HumanTaskState.OPEN}),
            param("entity", description="Only tasks about this record type"),
            param("entity_id", schema={"type": "integer", "minimum": 1, "maximum": MAX_ID},
                  description="Only tasks about this record"),
            param("limit", schema={"type": "integer", "minimum": 1, "default": 50}), param("cursor")])},
    "/inbox/counts": {"get": op(
        "How many open tasks are mine and my groups'", tag=_TAG, operation_id="inbox_counts",
        response={"type": "object", "properties": {"mine": {"type": "integer"},
                                                   "groups": {"type": "integer"}}})},
    "/inbox/{task_id}": {"get": op("One inbox task", tag=_TAG, operation_id="get_inbox_task",
                                   params=[_ID], response=ref("InboxItem"))},
    "/inbox/{task_id}/claim": {"post": op(
        "Claim a task of my groups", tag=_TAG, operation_id="claim_inbox_task", params=[_ID],
        response=ref("InboxItem"), errors=("401", "403", "404", "409"))},
    "/inbox/{task_id}/release": {"post": op(
        "Give a claimed task back to its groups", tag=_TAG, operation_id="release_inbox_task",
        params=[_ID], response=ref("InboxItem"), errors=("401", "403", "404", "409"))},
    "/inbox/{task_id}/complete": {"post": op(
        "Complete a task with its form data", tag=_TAG, operation_id="complete_inbox_task",
        params=[_ID], response=ref("InboxItem"), errors=("401", "403", "404", "409", "422"),
        description="422 names each bad field; 409 when already completed; 403 when not yours.",
        body={"type": "object", "properties": {"data": {"type": "object"}}})},
}, schemas={"InboxItem": _ITEM, "InboxFormField": _FIELD})
