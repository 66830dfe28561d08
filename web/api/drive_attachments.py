"""/<records>/<id>/attachments: attach a drive file (JSON) or an upload (multipart) to a CRM record."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.entities import ENTITIES
from crm.services.timeline import entry_to_dict
from drive.services import attachments, files
from errors import NotFound, ValidationError
from web.api import api, json_body
from web.api.openapi import op, path_id, ref, register_paths

RECORD_TYPES = {e.plural: e.name for e in ENTITIES.values()}


@api.post("/<records:plural>/<int:record_id>/attachments", endpoint="record_attach")
def attach_view(plural: str, record_id: int):
    if plural not in RECORD_TYPES:
        raise NotFound(f"Unknown collection {plural!r}")
    entity = RECORD_TYPES[plural]
    if request.mimetype == "multipart/form-data":
        request.max_content_length = files.max_upload()
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError.from_fields({"file": "Send the file in the field \"file\""})
        entry = attachments.attach_upload(entity, record_id, upload.filename, upload.stream, actor=g.actor)
    else:
        entry = attachments.attach_file(entity, record_id, json_body().get("item_id"), actor=g.actor)
    return jsonify(entry_to_dict(entry)), 201


def _paths() -> dict:
    body = {"type": "object", "additionalProperties": False, "required": ["item_id"],
            "properties": {"item_id": {"type": "integer", "minimum": 1}}}
    return {f"/{plural}/{{record_id}}/attachments": {"post": op(
        f"Attach a drive file to a {name} (its timeline shows it)", tag="Drive",
        operation_id=f"attach_{name}", params=[path_id("record_id")], body=body, status="201",
        response=ref("TimelineEntry"), errors=("401", "403", "404", "413", "422"),
        description="JSON {item_id} attaches a drive file (read right on it); multipart/form-data with "
                    "a field `file` uploads into your drive's folder \"CRM attachments\" first. Needs "
                    "the edit right on the record; the file's drive rights decide who may open it.")}
            for plural, name in RECORD_TYPES.items()}


register_paths(_paths())
