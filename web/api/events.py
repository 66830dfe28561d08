"""Named messages and signals from outside (Camunda 7's message correlation and signal broadcast)."""
from __future__ import annotations

from flask import g, jsonify

from engine.messages import correlate_message
from engine.runtime import flush_or_conflict
from engine.signals import send_signal
from web.api import api, json_body
from web.api.openapi import op, ref, register_paths


@api.post("/messages")
def post_message():
    body = json_body()
    result = correlate_message(
        body.get("name"), business_key=body.get("business_key"), correlation=body.get("correlation"),
        variables=body.get("variables"), all_instances=body.get("all") is True, actor=g.actor)
    flush_or_conflict()
    return jsonify(result)


@api.post("/signals")
def post_signal():
    body = json_body()
    result = send_signal(body.get("name"), body.get("variables"), actor=g.actor)
    flush_or_conflict()
    return jsonify(result)


_TAG = "Messages and signals"
_VARIABLES = {"type": "object", "description": "Process variables set on the instances reached or started"}
_MESSAGE = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 100, "description": "The bpmn:message name (not a record event)"},
    "business_key": {"type": "string", "maxLength": 255,
                     "description": "Only instances with this business key; stored on the instances "
                                    "started, and on a reached instance that has none yet"},
    "correlation": {"type": "object", "description": "{variable: value}: only instances whose "
                                                     "variables equal these (no start events then)"},
    "variables": _VARIABLES,
    "all": {"type": "boolean", "default": False,
            "description": "Deliver to every matching instance instead of answering 409 when several wait"}}}
_INSTANCE_REF = {"type": "object", "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "element_id": {"type": "string"},
    "version": {"type": "integer"}}}
_CORRELATED = {"type": "object", "properties": {
    "message": {"type": "string"},
    "instances": {"type": "array", "items": _INSTANCE_REF,
                  "description": "Waiting instances that received it (catch, receive task, boundary, "
                                 "event subprocess) and the element that caught it"},
    "started": {"type": "array", "items": _INSTANCE_REF,
                "description": "Instances started by a message start event (only when none waited)"}}}
_SIGNAL = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 100}, "variables": _VARIABLES}}
_BROADCAST = {"type": "object", "properties": {
    "signal": {"type": "string"},
    "reached": {"type": "integer", "description": "Instances reached plus started"},
    "instances": {"type": "array", "items": {"type": "integer"}},
    "started": {"type": "array", "items": {"type": "integer"}}}}
register_paths({
    "/messages": {"post": op(
        "Deliver a named message to the instance waiting for it, or start processes with it",
        tag=_TAG, operation_id="correlate_message", body=ref("MessageCorrelation"),
        response=ref("MessageCorrelated"), errors=("401", "404", "409", "422"),
        description="Instances are those the caller may read (administrators, the starter, whoever "
                    "may read the instance's record); a message start event may be triggered by any "
                    "signed-in user, as a manual start. 404 names the message when nothing takes it; "
                    "409 when several instances match and `all` is not true.")},
    "/signals": {"post": op(
        "Broadcast a signal to every waiting catch and signal start event", tag=_TAG,
        operation_id="broadcast_signal", body=ref("SignalBroadcast"), response=ref("SignalBroadcasted"),
        errors=("401", "422"),
        description="Reaches the waiting instances the caller may read and starts every active process "
                    "with a signal start event of that name; answers how many were reached.")},
}, schemas={"MessageCorrelation": _MESSAGE, "MessageCorrelated": _CORRELATED,
            "SignalBroadcast": _SIGNAL, "SignalBroadcasted": _BROADCAST})
