"""Process drafts, deleting an unused version, archiving (engine.drafts)."""
from __future__ import annotations

from flask import Response, g, jsonify

from engine import deploy, drafts
from web.api import api
from web.api.openapi import op, param, ref, register_paths
from web.api.processes import uploaded_file


@api.post("/process-drafts")
def save_process_draft():
    draft = drafts.save_draft(uploaded_file(), actor=g.actor)
    return jsonify(drafts.draft_to_dict(draft)), 200


@api.get("/processes/<key>/draft")
def get_process_draft(key: str):
    return jsonify(drafts.draft_to_dict(drafts.get_draft(key)))


@api.get("/processes/<key>/draft/bpmn")
def get_process_draft_bpmn(key: str):
    return Response(drafts.get_draft(key).bpmn, mimetype="application/xml")


@api.delete("/processes/<key>/draft")
def delete_process_draft(key: str):
    drafts.delete_draft(key, actor=g.actor)
    return "", 204


@api.post("/processes/<key>/draft/publish")
def publish_process_draft(key: str):
    version = drafts.publish_draft(key, actor=g.actor)
    return jsonify(deploy.version_to_dict(version, warnings=True)), 201


@api.delete("/processes/<key>/versions/<int:number>")
def delete_process_version(key: str, number: int):
    drafts.delete_version(key, number, actor=g.actor)
    return "", 204


@api.post("/processes/<key>/archive")
def archive_process(key: str):
    return jsonify(deploy.definition_to_dict(drafts.set_archived(key, True, actor=g.actor)))


@api.post("/processes/<key>/unarchive")
def unarchive_process(key: str):
    return jsonify(deploy.definition_to_dict(drafts.set_archived(key, False, actor=g.actor)))


_TAG = "Processes"
_KEY = param("key", "path", description="The BPMN process id")
_NUMBER = param("number", "path", {"type": "integer", "minimum": 1})
_DRAFT = {"type": "object", "properties": {
    "key": {"type": "string"}, "name": {"type": "string"},
    "problems": {"type": "array", "description": "what stops it from being published",
                 "items": {"type": "object", "properties": {
                     "element": {"type": ["string", "null"]}, "message": {"type": "string"}}}},
    "publishable": {"type": "boolean"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
    "updated_at": {"type": "string"}, "updated_by_id": {"type": ["integer", "null"]}}}
_save = op("Save a diagram as its process's draft (starts nothing until published)", tag=_TAG,
           operation_id="save_process_draft", response=ref("ProcessDraft"),
           errors=("401", "403", "413", "422"),
           description="Multipart field `file`. The draft is kept even with problems (listed in "
                       "`problems`); 422 only when the file names no process at all.")
_save["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}
register_paths({
    "/process-drafts": {"post": _save},
    "/processes/{key}/draft": {
        "get": op("A process's draft", tag=_TAG, operation_id="get_process_draft", params=[_KEY],
                  response=ref("ProcessDraft"), errors=("401", "404")),
        "delete": op("Throw the draft away", tag=_TAG, operation_id="delete_process_draft",
                     params=[_KEY], status="204", errors=("401", "403", "404"))},
    "/processes/{key}/draft/bpmn": {"get": op(
        "The draft's BPMN file", tag=_TAG, operation_id="get_process_draft_bpmn", params=[_KEY],
        response={"type": "string"}, media="application/xml", errors=("401", "404"))},
    "/processes/{key}/draft/publish": {"post": op(
        "Publish the draft as the next version", tag=_TAG, operation_id="publish_process_draft",
        params=[_KEY], status="201", response=ref("ProcessVersion"), errors=("401", "403", "404", "422"))},
    "/processes/{key}/versions/{number}": {"delete": op(
        "Delete a version that never ran an instance (409 otherwise)", tag=_TAG,
        operation_id="delete_process_version", params=[_KEY, _NUMBER], status="204",
        errors=("401", "403", "404", "409"))},
    "/processes/{key}/archive": {"post": op(
        "Archive: no triggers, no starts, hidden from the list; running instances go on", tag=_TAG,
        operation_id="archive_process", params=[_KEY], response=ref("Process"),
        errors=("401", "403", "404"))},
    "/processes/{key}/unarchive": {"post": op(
        "Bring a process back from the archive (it stays inactive until activated)", tag=_TAG,
        operation_id="unarchive_process", params=[_KEY], response=ref("Process"),
        errors=("401", "403", "404"))},
}, schemas={"ProcessDraft": _DRAFT})
