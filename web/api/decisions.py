"""DMN decisions: upload .dmn files, list, read the XML, evaluate."""
from __future__ import annotations

from flask import Response, g, jsonify

from engine import decisions
from web.api import api, json_body, version_arg
from web.api.openapi import op, param, register_paths
from web.api.processes import uploaded_file


@api.get("/decisions")
def list_decisions():
    return jsonify({"items": decisions.list_decisions()})


@api.post("/decisions")
def upload_decisions():
    rows = decisions.deploy_decisions(uploaded_file(), actor=g.actor)
    return jsonify({"items": [decisions.decision_to_dict(r) for r in rows]}), 201


@api.get("/decisions/<key>")
def decision_xml(key: str):
    row = decisions.get_decision(key, version_arg())
    return Response(row.dmn, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{row.version}.dmn"',
        "X-Decision-Version": str(row.version)})


@api.post("/decisions/<key>/evaluate")
def evaluate_decision(key: str):
    body = json_body()
    return jsonify(decisions.evaluate_decision(key, body.get("variables", {}), g.actor,
                                               version=version_arg()))


_TAG = "Decisions"
_KEY = param("key", "path", description="The DMN decision id")
_VERSION = param("version", "query", {"type": "integer", "minimum": 1},
                 description="A version (default: the newest)")
_ITEM = {"type": "object", "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
    "hit_policy": {"type": "string"}, "version_tag": {"type": ["string", "null"]},
    "sha256": {"type": "string"}, "created_at": {"type": ["string", "null"]}}}
_ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": _ITEM}}}
register_paths({
    "/decisions": {
        "get": op("Decisions (the newest version of each key)", tag=_TAG, operation_id="list_decisions",
                  response=_ITEMS, errors=("401",)),
        "post": op("Upload a .dmn file: each decision becomes a new version of its key", tag=_TAG,
                   operation_id="upload_decisions", status="201", response=_ITEMS,
                   errors=("401", "403", "413", "422"),
                   description="Multipart field `file`. 422 names the decision, rule and column of a "
                               "problem."),
    },
    "/decisions/{key}": {"get": op(
        "A decision's DMN file", tag=_TAG, operation_id="get_decision_xml", params=[_KEY, _VERSION],
        response={"type": "string"}, media="application/xml", errors=("401", "404", "422"))},
    "/decisions/{key}/evaluate": {"post": op(
        "Evaluate a decision: the list of rule results (output name -> value)", tag=_TAG,
        operation_id="evaluate_decision", params=[_KEY, _VERSION],
        body={"type": "object", "properties": {"variables": {"type": "object"}}},
        response={"type": "array", "items": {"type": "object"}}, errors=("401", "404", "422"))},
})
