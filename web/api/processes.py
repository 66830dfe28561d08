"""BPMN processes: upload, list, versions, activate, triggers, manual start."""
from __future__ import annotations

from flask import Response, current_app, g, jsonify, request

from engine import deploy
from engine.instances import instance_to_dict
from engine.triggers import start_manually
from errors import ValidationError
from org.models import MAX_ID
from web.api import api, json_body
from web.api.openapi import items_of, op, param, ref, register_paths


def uploaded_file() -> bytes:
    """The multipart field `file` (413 above BPMN_MAX_BYTES)."""
    limit = current_app.config.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise deploy.PayloadTooLarge(f"The file is larger than the limit of {limit} bytes",
                                     {"file": f"At most {limit} bytes"})
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError.from_fields({"file": "Upload the BPMN file as multipart field 'file'"})
    return upload.stream.read(limit + 1)


@api.post("/processes")
def upload_process():
    upload = request.files.get("file")
    if upload is not None and (upload.filename or "").lower().endswith(".dmn"):
        from web.api.decisions import upload_decisions

        return upload_decisions()  # DMN files deploy beside BPMN, as in Camunda
    version = deploy.deploy_process(uploaded_file(), actor=g.actor)
    return jsonify(deploy.version_to_dict(version, warnings=True)), 201


@api.get("/processes")
def list_processes():
    archived = request.args.get("archived", "false").lower() in ("1", "true", "yes")
    return jsonify({"items": deploy.list_processes(entity=request.args.get("entity") or None,
                                                   archived=archived)})


@api.get("/processes/<key>")
def get_process(key: str):
    return jsonify(deploy.definition_to_dict(deploy.get_definition(key)))


@api.get("/processes/<key>/versions/<int:number>/bpmn")
def process_bpmn(key: str, number: int):
    version = deploy.get_version(key, number)
    return Response(version.bpmn, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})


@api.post("/processes/<key>/activate")
def activate_process(key: str):
    return jsonify(deploy.definition_to_dict(deploy.set_active(key, True, actor=g.actor)))


@api.post("/processes/<key>/deactivate")
def deactivate_process(key: str):
    return jsonify(deploy.definition_to_dict(deploy.set_active(key, False, actor=g.actor)))


@api.put("/processes/<key>/triggers")
def put_triggers(key: str):
    body = json_body()
    version = deploy.update_triggers(key, body.get("triggers"), actor=g.actor)
    return jsonify(deploy.version_to_dict(version))


@api.post("/processes/<key>/start")
def start_process(key: str):
    body = json_body()
    instance = start_manually(key, body.get("entity"), body.get("id"), body.get("variables"),
                              actor=g.actor, business_key=body.get("business_key"))
    return jsonify(instance_to_dict(instance)), 201


_TAG = "Processes"
_KEY = param("key", "path", description="The BPMN process id")
_TRIGGER = {"type": "object", "properties": {
    "message": {"type": "string", "description": "<entity>.created, <entity>.updated, email.received "
                                                 "or email.sent"},
    "entity": {"type": ["string", "null"], "description": "null: email.* on a record of any type"},
    "action": {"enum": ["created", "updated", "received", "sent"]},
    "fields": {"type": ["array", "null"], "items": {"type": "string"},
               "description": "updated: start only when one of these fields changed"},
    "condition": {"type": ["string", "null"], "description": "expression over `record`"},
    "element_id": {"type": "string"}}}
_VERSION = {"type": "object", "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
    "process_id": {"type": "string"}, "sha256": {"type": "string"},
    "triggers": {"type": "array", "items": ref("ProcessTrigger")}, "created_at": {"type": "string"},
    "created_by_id": {"type": ["integer", "null"]}, "size": {"type": "integer"},
    "version_tag": {"type": ["string", "null"], "description": "camunda:versionTag"},
    "warnings": {"type": "array", "description": "upload only: what the engine accepts but does not "
                 "honour (engine.camunda_compat)", "items": {"type": "object", "properties": {
                     "element": {"type": ["string", "null"]}, "message": {"type": "string"}}}},
    "also_deployed": {"type": "array", "items": {"type": "string"},
                      "description": "upload only: keys of the file's other executable processes, "
                                     "each deployed as a version of its own"}}}
_PROCESS = {"type": "object", "properties": {
    "key": {"type": "string"}, "name": {"type": "string"}, "active": {"type": "boolean"},
    "archived": {"type": "boolean"}, "has_draft": {"type": "boolean"},
    "version": {"type": ["integer", "null"], "description": "the newest version"},
    "triggers": {"type": "array", "items": ref("ProcessTrigger")},
    "versions": {"type": "array", "items": ref("ProcessVersion")},
    "running": {"type": "integer", "description": "running + waiting instances"},
    "instances": {"type": "object", "description": "unfinished instances by status"}}}
_upload = op("Upload a BPMN diagram (a new version of its process key)", tag=_TAG,
             operation_id="upload_process", status="201", response=ref("ProcessVersion"),
             errors=("401", "403", "413", "422"),
             description="Multipart field `file`. 413 above BPMN_MAX_BYTES; 422 lists every problem "
                         "as {\"errors\": [{\"element\", \"message\"}]}; 201 answers `warnings` "
                         "[{element, message}] for what is accepted but not honoured. A file named "
                         "*.dmn deploys its decisions instead and answers as POST /decisions.")
_upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}
register_paths({
    "/processes": {
        "get": op("Processes with versions, triggers and running counts", tag=_TAG,
                  operation_id="list_processes", response=items_of("Process"), errors=("401",),
                  params=[param("entity", description="Only processes with a trigger on this record type"),
                          param("archived", schema={"type": "boolean"},
                                description="Include archived processes")]),
        "post": _upload},
    "/processes/{key}": {"get": op("One process", tag=_TAG, operation_id="get_process", params=[_KEY],
                                   response=ref("Process"), errors=("401", "404"))},
    "/processes/{key}/versions/{number}/bpmn": {"get": op(
        "A version's BPMN file as uploaded", tag=_TAG, operation_id="get_process_bpmn",
        params=[_KEY, param("number", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID})],
        response={"type": "string"}, media="application/xml", errors=("401", "404"))},
    "/processes/{key}/activate": {"post": op(
        "Activate: new record events start it", tag=_TAG, operation_id="activate_process",
        params=[_KEY], response=ref("Process"), errors=("401", "403", "404"))},
    "/processes/{key}/deactivate": {"post": op(
        "Deactivate: nothing new starts; running instances go on", tag=_TAG,
        operation_id="deactivate_process", params=[_KEY], response=ref("Process"),
        errors=("401", "403", "404"))},
    "/processes/{key}/triggers": {"put": op(
        "Set the changed-field filters and conditions of the newest version's triggers", tag=_TAG,
        operation_id="put_process_triggers", params=[_KEY], response=ref("ProcessVersion"),
        body={"type": "object", "required": ["triggers"], "properties": {"triggers": {
            "type": "array", "items": {"type": "object", "required": ["element_id"], "properties": {
                "element_id": {"type": "string"}, "fields": {"type": ["array", "null"]},
                "condition": {"type": ["string", "null"]}}}}}})},
    "/processes/{key}/start": {"post": op(
        "Start the newest version on a record you can read", tag=_TAG, operation_id="start_process",
        params=[_KEY], status="201", response=ref("ProcessInstance"),
        body={"type": "object", "required": ["entity", "id"], "properties": {
            "entity": {"type": "string"}, "id": {"type": "integer"},
            "variables": {"type": "object", "description": "extra process variables"},
            "business_key": {"type": "string", "maxLength": 255,
                             "description": "Camunda's business key, for message correlation"}}})},
}, schemas={"Process": _PROCESS, "ProcessVersion": _VERSION, "ProcessTrigger": _TRIGGER})
