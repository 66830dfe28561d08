"""The service-task activities a diagram may call: topics, parameters, result variables."""
from __future__ import annotations

from flask import jsonify

from engine.activities import topic_docs
from web.api import api
from web.api.openapi import items_of, op, register_paths


@api.get("/activities")
def list_activities():
    return jsonify({"items": topic_docs()})


_PARAM = {"type": "object", "required": ["name", "type", "required", "description"], "properties": {
    "name": {"type": "string"}, "type": {"type": "string"}, "required": {"type": "boolean"},
    "description": {"type": "string"}}}
_ACTIVITY = {"type": "object", "required": ["topic", "description", "parameters", "result"], "properties": {
    "topic": {"type": "string", "description": 'camunda:topic of an external service task'},
    "description": {"type": "string"},
    "parameters": {"type": "array", "items": _PARAM},
    "result": {"type": ["object", "null"], "properties": {
        "variable": {"type": "string", "description": "The process variable the result is stored in"},
        "description": {"type": "string"}}}}}

register_paths({"/activities": {"get": op(
    "Service-task activities: parameters and result variables", tag="Processes",
    operation_id="list_activities", response=items_of("Activity"), errors=("401",))}},
    schemas={"Activity": _ACTIVITY})
