"""Operations: incidents (list, retry, resolve), instance modification, instance migration."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import incidents as svc
from engine import instance_migration as migrations
from engine.instances import instance_to_dict
from engine.modification import TYPES, modify_instance
from errors import ValidationError
from org.models import valid_id
from web.api import api, json_body, page_args
from web.api.openapi import op, page_of, param, path_id, ref, register_paths


@api.get("/incidents")
def list_incidents():
    args = request.args
    limit, cursor = page_args()
    if cursor is not None and not valid_id(cursor):
        raise ValidationError.from_fields({"cursor": "Pass the `next` value of the previous page"})
    rows = svc.list_incidents(actor=g.actor, key=args.get("key") or None,
                              element_id=args.get("element_id") or None, status=args.get("status") or "open",
                              limit=limit, before=int(cursor) if cursor else None)
    nxt = str(rows[-1].id) if len(rows) == limit else None
    return jsonify({"items": [svc.incident_to_dict(r) for r in rows], "next": nxt})


@api.post("/incidents/<int:incident_id>/retry")
def retry_incident(incident_id: int):
    body = json_body() if request.get_data() else {}
    incident = svc.retry_incident(incident_id, body.get("variables"), actor=g.actor)
    return jsonify(svc.incident_to_dict(incident))


@api.post("/incidents/<int:incident_id>/resolve")
def resolve_incident(incident_id: int):
    body = json_body() if request.get_data() else {}
    incident = svc.resolve_incident(incident_id, body.get("note"), actor=g.actor)
    return jsonify(svc.incident_to_dict(incident))


@api.post("/process-instances/<int:instance_id>/modify")
def modify_process_instance(instance_id: int):
    body = json_body()
    instance = modify_instance(instance_id, body.get("instructions"), body.get("variables"), actor=g.actor)
    return jsonify(instance_to_dict(instance))


@api.post("/processes/<key>/migrations")
def create_migration(key: str):
    row = migrations.create_migration(key, json_body(), actor=g.actor)
    return jsonify(migrations.migration_to_dict(row)), 202


@api.get("/processes/<key>/migrations/<int:migration_id>")
def get_migration(key: str, migration_id: int):
    return jsonify(migrations.migration_to_dict(migrations.get_migration(key, migration_id, actor=g.actor)))


_TAG = "Operations"
_ADMIN = "Administrators in admin mode."
_INCIDENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "key": {"type": "string"},
    "version": {"type": "integer"}, "process_name": {"type": "string"},
    "element_id": {"type": ["string", "null"]}, "element_name": {"type": "string"},
    "kind": {"type": "string", "description": ", ".join(svc.KINDS)}, "message": {"type": "string"},
    "details": {"type": ["string", "null"], "description": "the failure's traceback"},
    "retries_left": {"type": "integer"}, "status": {"enum": list(svc.STATUSES)},
    "created_at": {"type": "string"}, "resolved_at": {"type": ["string", "null"]},
    "resolved_by_id": {"type": ["integer", "null"]}, "resolution": {"type": ["string", "null"]},
    "instance_status": {"type": "string"}}}
_MIGRATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "state": {"enum": ["pending", "running", "done"]},
    "dry_run": {"type": "boolean"},
    "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
    "from_version_id": {"type": "integer"}, "to_version_id": {"type": "integer"},
    "total": {"type": "integer"}, "migrated": {"type": "integer"}, "failed": {"type": "integer"},
    "errors": {"type": "array", "items": {"type": "object"}},
    "plan": {"type": "array", "items": {"type": "object"},
             "description": "per instance: {instance_id, moves}"},
    "instance_ids": {"type": "array", "items": {"type": "integer"}},
    "created_at": {"type": "string"}, "finished_at": {"type": ["string", "null"]}}}
_VARIABLES = {"type": "object", "description": "process variables to set first"}
_ID = path_id("incident_id")
_KEY = param("key", "path", description="The BPMN process id")
register_paths({
    "/incidents": {"get": op(
        "Incidents, newest first", tag=_TAG, operation_id="list_incidents", response=page_of("Incident"),
        errors=("401", "403", "422"), description=_ADMIN, params=[
            param("key", description="Process key"), param("element_id"),
            param("status", schema={"enum": list(svc.STATUSES)}),
            param("limit", schema={"type": "integer", "minimum": 1, "default": 50}), param("cursor")])},
    "/incidents/{incident_id}/retry": {"post": op(
        "Run the failed element again, optionally after setting variables", tag=_TAG,
        operation_id="retry_incident", params=[_ID], response=ref("Incident"),
        body={"type": "object", "properties": {"variables": _VARIABLES}},
        errors=("401", "403", "404", "409", "422"), description=_ADMIN)},
    "/incidents/{incident_id}/resolve": {"post": op(
        "Mark an incident resolved with a note", tag=_TAG, operation_id="resolve_incident", params=[_ID],
        response=ref("Incident"), body={"type": "object", "properties": {"note": {"type": "string"}}},
        errors=("401", "403", "404", "409", "422"), description=_ADMIN)},
    "/process-instances/{instance_id}/modify": {"post": op(
        "Cancel activities, start before or after activities, set variables", tag=_TAG,
        operation_id="modify_process_instance", params=[path_id("instance_id")],
        response=ref("ProcessInstance"),
        body={"type": "object", "required": ["instructions"], "properties": {
            "instructions": {"type": "array", "items": {"type": "object", "required": ["type", "activityId"],
                                                        "properties": {"type": {"enum": list(TYPES)},
                                                                       "activityId": {"type": "string"}}}},
            "variables": _VARIABLES}},
        errors=("401", "403", "404", "409", "422"), description=_ADMIN + " 422 names unknown element ids.")},
    "/processes/{key}/migrations": {"post": op(
        "Migrate instances from one version to another (or a dry run)", tag=_TAG, status="202",
        operation_id="create_process_migration", params=[_KEY], response=ref("InstanceMigration"),
        body={"type": "object", "required": ["from_version", "to_version"], "properties": {
            "from_version": {"type": "integer"}, "to_version": {"type": "integer"},
            "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
            "instance_ids": {"type": "array", "items": {"type": "integer"}}, "dry_run": {"type": "boolean"}}},
        errors=("401", "403", "404", "422"),
        description=_ADMIN + " 422 names each element instances would be left on, with the instances.")},
    "/processes/{key}/migrations/{migration_id}": {"get": op(
        "A migration's state, counts and per-instance errors", tag=_TAG, operation_id="get_process_migration",
        params=[_KEY, path_id("migration_id")], response=ref("InstanceMigration"),
        errors=("401", "403", "404"), description=_ADMIN)},
}, schemas={"Incident": _INCIDENT, "InstanceMigration": _MIGRATION})
