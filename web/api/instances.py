"""Process instances: list, detail (log, variables, tasks, diagram states), control."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import instances as svc
from engine.states import InstanceStatus
from errors import ValidationError
from org.models import MAX_ID, valid_id
from web.api import api, page_args
from web.api.openapi import op, page_of, param, path_id, ref, register_paths


@api.get("/process-instances")
def list_instances():
    args = request.args
    limit, cursor = page_args()
    if cursor is not None and not valid_id(cursor):  # bounded: PostgreSQL's integer range
        raise ValidationError.from_fields({"cursor": "Pass the `next` value of the previous page"})
    rows = svc.list_instances(actor=g.actor, entity=args.get("entity") or None,
                              entity_id=args.get("entity_id") or None,
                              status=args.get("status") or None, limit=limit,
                              before=int(cursor) if cursor else None)
    nxt = str(rows[-1].id) if len(rows) == limit else None
    return jsonify({"items": [svc.instance_to_dict(r) for r in rows], "next": nxt})


@api.get("/process-instances/<int:instance_id>")
def get_instance(instance_id: int):
    instance = svc.get_instance(instance_id, actor=g.actor)
    return jsonify(svc.instance_detail(instance, actor=g.actor))


ACTIONS = {
    "retry": svc.retry_instance, "suspend": svc.suspend_instance,
    "resume": svc.resume_instance, "terminate": svc.terminate_instance,
}


@api.post("/process-instances/<int:instance_id>/<any(retry,suspend,resume,terminate):action>")
def control_instance(instance_id: int, action: str):
    instance = ACTIONS[action](instance_id, actor=g.actor)
    return jsonify(svc.instance_to_dict(instance))


_TAG = "Process instances"
_ID = path_id("instance_id")
_INSTANCE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "version": {"type": "integer"},
    "name": {"type": "string"},
    "status": {"enum": list(InstanceStatus)},
    "entity": {"type": ["string", "null"]}, "entity_id": {"type": ["integer", "null"]},
    "start_event_id": {"type": ["string", "null"], "description": "the outbox event that started it"},
    "started_by_id": {"type": ["integer", "null"]}, "on_behalf_of_id": {"type": ["integer", "null"]},
    "depth": {"type": "integer"}, "business_key": {"type": ["string", "null"]},
    "error_element": {"type": ["string", "null"]},
    "error_message": {"type": ["string", "null"]}, "created_at": {"type": "string"},
    "updated_at": {"type": "string"}, "completed_at": {"type": ["string", "null"]},
    "parent_instance_id": {"type": ["integer", "null"],
                           "description": "the instance whose call activity started it"},
    "parent_element_id": {"type": ["string", "null"], "description": "that call activity's element id"}}}
_LINK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "version": {"type": "integer"},
    "name": {"type": "string"}, "status": {"type": "string"},
    "element_id": {"type": "string", "description": "children: the call activity that started it"}}}
_DETAIL = {"allOf": [ref("ProcessInstance"), {"type": "object", "properties": {
    "parent": {"oneOf": [_LINK, {"type": "null"}]},
    "children": {"type": "array", "items": _LINK, "description": "instances its call activities started"},
    "variables": {"type": "object"},
    "current_elements": {"type": "array", "items": {"type": "string"}},
    "task_states": {"type": "object", "additionalProperties": {
        "enum": ["error", "ready", "started", "waiting", "completed", "cancelled"]},
        "description": "BPMN element id -> state, for colouring the diagram"},
    "human_tasks": {"type": "array", "items": ref("InboxItem")},
    "timers": {"type": "array", "items": {"type": "object"}},
    "log": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "element_id": {"type": ["string", "null"]},
        "actor_id": {"type": ["integer", "null"]}, "on_behalf_of_id": {"type": ["integer", "null"]},
        "message": {"type": "string"}, "data": {}, "created_at": {"type": "string"}}}}}}]}
_CONTROL = {
    "retry": "Run an instance in error again from the failed element",
    "suspend": "Pause an instance (no steps, timers or completions)",
    "resume": "Continue a suspended instance",
    "terminate": "Stop an instance for good (open tasks cancelled)",
}
register_paths({
    "/process-instances": {"get": op(
        "Process instances, newest first", tag=_TAG, operation_id="list_process_instances",
        response=page_of("ProcessInstance"), errors=("401", "422"), params=[
            param("entity", description="Record type the instances are about"),
            param("entity_id", schema={"type": "integer", "minimum": 1, "maximum": MAX_ID},
                  description="Record id (with entity)"),
            param("status", schema={"enum": list(_INSTANCE["properties"]["status"]["enum"])}),
            param("limit", schema={"type": "integer", "minimum": 1, "default": 50}), param("cursor")])},
    "/process-instances/{instance_id}": {"get": op(
        "One instance with its log, variables, current elements, human tasks and task states",
        tag=_TAG, operation_id="get_process_instance", params=[_ID], response=ref("ProcessInstanceDetail"),
        errors=("401", "404"))},
    **{f"/process-instances/{{instance_id}}/{action}": {"post": op(
        summary, tag=_TAG, operation_id=f"{action}_process_instance", params=[_ID],
        response=ref("ProcessInstance"), errors=("401", "403", "404", "409"),
        description="Administrators and the person who started the instance.")}
       for action, summary in _CONTROL.items()},
}, schemas={"ProcessInstance": _INSTANCE, "ProcessInstanceDetail": _DETAIL})
