"""History of element activations: per instance, per process (optionally one element), the heat map."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import history as svc
from errors import ValidationError
from org.models import valid_id
from web.api import api, page_args
from web.api.openapi import items_of, op, page_of, param, path_id, ref, register_paths


@api.get("/process-instances/<int:instance_id>/history")
def instance_history(instance_id: int):
    return jsonify({"items": svc.instance_history(instance_id, actor=g.actor)})


@api.get("/processes/<key>/history")
def process_history(key: str):
    """Newest first; `?element=` one element's activations; `?cursor=` the next page."""
    limit, cursor = page_args()
    if cursor is not None and not valid_id(cursor):
        raise ValidationError.from_fields({"cursor": "Pass the `next` value of the previous page"})
    rows = svc.process_history(key, actor=g.actor, element=request.args.get("element") or None,
                               limit=limit, before=int(cursor) if cursor else None)
    return jsonify({"items": rows, "next": str(rows[-1]["id"]) if len(rows) == limit else None})


@api.get("/processes/<key>/heatmap")
def process_heatmap(key: str):
    raw = request.args.get("version")
    if raw is not None and not valid_id(raw):
        raise ValidationError.from_fields({"version": "Expected a version number"})
    return jsonify(svc.heatmap(key, int(raw) if raw else None, actor=g.actor))


def _docs() -> None:
    tag, key = "Processes", param("key", "path", description="The process key")
    activation = {"type": "object", "required": ["id", "instance_id", "element_id", "element_type", "state",
                                                 "started_at", "ended_at", "duration_ms"],
                  "properties": {"completed_by_id": {"type": ["integer", "null"],
                                                     "description": "Who completed a user task"},
                                 "variables": {"type": "array", "items": {"type": "string"},
                                               "description": "Names of the variables changed"}}}
    heat = {"type": "object", "required": ["key", "version", "elements"], "properties": {
        "elements": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "count": {"type": "integer"}, "active": {"type": "integer"},
            "avg_ms": {"type": ["integer", "null"]}, "p90_ms": {"type": ["integer", "null"]}}}}}}
    register_paths({
        "/process-instances/{instance_id}/history": {"get": op(
            "Every element the instance entered: start, end, type, who completed it, variables changed",
            tag=tag, operation_id="instance_history", params=[path_id("instance_id")],
            response=items_of("Activation"))},
        "/processes/{key}/history": {"get": op(
            "Element activations of every instance of a process, newest first (process designers)",
            tag=tag, operation_id="process_history", response=page_of("Activation"),
            params=[key, param("element", description="Only this element id"), param("limit"),
                    param("cursor")])},
        "/processes/{key}/heatmap": {"get": op(
            "Average and p90 time in each element of a version (process designers)", tag=tag,
            operation_id="process_heatmap", response=ref("Heatmap"),
            params=[key, param("version", description="The version number (default: the latest)")])}},
        schemas={"Activation": activation, "Heatmap": heat})


_docs()
