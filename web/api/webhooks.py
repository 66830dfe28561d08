"""Webhooks (administrators): endpoints, their delivery log and redeliver; the HTTP setting
(allowed hosts and named secrets of the http.request activity)."""
from __future__ import annotations

from flask import g, jsonify

from crm.event_types import event_types
from engine.webhooks import service as svc
from org import http_settings
from web.api import api, json_body
from web.api.openapi import items_of, op, path_id, ref, register_paths


@api.get("/webhooks")
def list_webhooks():
    return jsonify({"items": [svc.endpoint_dict(r) for r in svc.list_endpoints(actor=g.actor)]})


@api.post("/webhooks")
def create_webhook():
    """Register an endpoint; the answer shows its signing secret this once."""
    row, secret = svc.create_endpoint(json_body(), actor=g.actor)
    return jsonify({**svc.endpoint_dict(row), "secret": secret}), 201


@api.get("/webhooks/event-types")
def webhook_event_types():
    return jsonify({"items": [svc.ALL, *event_types()]})


@api.get("/webhooks/<int:endpoint_id>")
def get_webhook(endpoint_id: int):
    return jsonify(svc.endpoint_dict(svc.get_endpoint(endpoint_id, actor=g.actor)))


@api.patch("/webhooks/<int:endpoint_id>")
def update_webhook(endpoint_id: int):
    return jsonify(svc.endpoint_dict(svc.update_endpoint(endpoint_id, json_body(), actor=g.actor)))


@api.delete("/webhooks/<int:endpoint_id>")
def delete_webhook(endpoint_id: int):
    svc.delete_endpoint(endpoint_id, actor=g.actor)
    return "", 204


@api.get("/webhooks/<int:endpoint_id>/deliveries")
def webhook_deliveries(endpoint_id: int):
    return jsonify({"items": svc.list_deliveries(endpoint_id, actor=g.actor)})


@api.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver_webhook(endpoint_id: int, delivery_id: int):
    row = svc.redeliver(endpoint_id, delivery_id, actor=g.actor)
    return jsonify({"id": row.id, "state": row.state}), 202


@api.get("/settings/http")
def get_http_settings():
    return jsonify(http_settings.http_settings(actor=g.actor))


@api.put("/settings/http")
def put_http_settings():
    return jsonify(http_settings.save_http_settings(json_body(), actor=g.actor))


def _docs() -> None:
    tag, eid, did = "Webhooks", path_id("endpoint_id"), path_id("delivery_id")
    types = {"type": "array", "items": {"type": "string"}, "description": 'Event types, or ["*"] for all'}
    endpoint = {"type": "object", "required": ["id", "url", "event_types", "active", "has_secret"],
                "properties": {"id": {"type": "integer"}, "url": {"type": "string"}, "event_types": types,
                               "description": {"type": "string"}, "active": {"type": "boolean"},
                               "has_secret": {"type": "boolean"}, "created_at": {"type": "string"},
                               "secret": {"type": "string", "description": "Only in the answer to POST"}}}
    given = {"type": "object", "additionalProperties": False, "properties": {
        "url": {"type": "string"}, "event_types": types, "description": {"type": "string"},
        "active": {"type": "boolean"}, "secret": {"type": ["string", "null"],
                                                  "description": "Blank: a random secret"}}}
    delivery = {"type": "object", "required": ["id", "delivery_id", "event_type", "state", "attempts", "log"]}
    register_paths({
        "/webhooks": {
            "get": op("Webhook endpoints (administrators)", tag=tag, operation_id="list_webhooks",
                      response=items_of("Webhook"), errors=("401", "403")),
            "post": op("Register a webhook endpoint", tag=tag, operation_id="create_webhook", status="201",
                       body=ref("WebhookInput"), response=ref("Webhook"), errors=("401", "403", "422"))},
        "/webhooks/event-types": {"get": op(
            "Event types an endpoint may subscribe to", tag=tag, operation_id="webhook_event_types",
            response={"type": "object"}, errors=("401", "403"))},
        "/webhooks/{endpoint_id}": {
            "get": op("One webhook endpoint", tag=tag, operation_id="get_webhook", params=[eid],
                      response=ref("Webhook")),
            "patch": op("Change a webhook endpoint", tag=tag, operation_id="update_webhook", params=[eid],
                        body=ref("WebhookInput"), response=ref("Webhook")),
            "delete": op("Delete a webhook endpoint and its log", tag=tag, operation_id="delete_webhook",
                         params=[eid], status="204")},
        "/webhooks/{endpoint_id}/deliveries": {"get": op(
            "The endpoint's newest deliveries with their attempts", tag=tag, params=[eid],
            operation_id="webhook_deliveries", response=items_of("WebhookDelivery"))},
        "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver": {"post": op(
            "Send a delivery again", tag=tag, operation_id="redeliver_webhook", params=[eid, did],
            status="202", response={"type": "object"})}},
        schemas={"Webhook": endpoint, "WebhookInput": given, "WebhookDelivery": delivery})


def _http_docs() -> None:
    http = {"type": "object", "properties": {
        "allowed_hosts": {"type": "array", "items": {"type": "string"},
                          "description": "Hosts http.request may call (api.example.com, *.example.com)"},
        "secrets": {"description": "GET: the names; PUT: an object of names to texts (null deletes)"}}}
    register_paths({"/settings/http": {
        "get": op("Hosts and secrets of the http.request activity (administrators)", tag="Settings",
                  operation_id="get_http_settings", response=ref("HttpSettings"), errors=("401", "403")),
        "put": op("Change the allowed hosts and secrets (administrators)", tag="Settings",
                  operation_id="put_http_settings", body=ref("HttpSettings"), response=ref("HttpSettings"),
                  errors=("401", "403", "422"))}}, schemas={"HttpSettings": http})


_docs()
_http_docs()
