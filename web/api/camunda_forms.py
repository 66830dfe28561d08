"""Camunda Forms (form-js): upload .form files, list them, read a version's JSON."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import camunda_forms
from errors import ValidationError
from web.api import api, version_arg
from web.api.openapi import op, param, register_paths


def uploaded_forms() -> list[tuple[str, bytes]]:
    """The multipart field(s) `file`: (file name, content)."""
    files = [(f.filename or "form.form", f.stream.read()) for f in request.files.getlist("file")]
    if not files:
        raise ValidationError.from_fields({"file": "Upload the .form file as multipart field 'file'"})
    return files


@api.get("/forms")
def list_forms():
    return jsonify({"items": camunda_forms.list_forms()})


@api.post("/forms")
def upload_forms():
    rows = camunda_forms.deploy_forms(uploaded_forms(), actor=g.actor)
    return jsonify({"items": [camunda_forms.form_to_dict(r) for r in rows]}), 201


@api.get("/forms/<key>")
def get_form(key: str):
    row = camunda_forms.get_form(key, version_arg())
    return jsonify(camunda_forms.form_to_dict(row, schema=True))


_TAG = "Forms"
_ITEM = {"type": "object", "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "resource_name": {"type": "string"},
    "deployment_id": {"type": ["integer", "null"]}, "sha256": {"type": "string"},
    "created_at": {"type": ["string", "null"]}, "schema": {"type": "object"}}}
_ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": _ITEM}}}
register_paths({
    "/forms": {
        "get": op("Camunda Forms (the newest version of each form id)", tag=_TAG, operation_id="list_forms",
                  response=_ITEMS, errors=("401",)),
        "post": op("Upload .form files (form-js JSON): each becomes a new version of its id", tag=_TAG,
                   operation_id="upload_forms", status="201", response=_ITEMS,
                   errors=("401", "403", "413", "422"),
                   description="Multipart field `file` (repeatable). 422 names the form and component."),
    },
    "/forms/{key}": {"get": op(
        "A form version with its form-js schema", tag=_TAG, operation_id="get_form",
        params=[param("key", "path", description="The form's id"),
                param("version", "query", {"type": "integer", "minimum": 1},
                      description="A version (default: the newest)")],
        response=_ITEM, errors=("401", "404", "422"))},
})
