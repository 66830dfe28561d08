"""Settings → Integrations (administrators): the hosts and secrets of the http.request activity,
webhook endpoints, and each endpoint's delivery log with redeliver."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.event_types import event_types
from engine.webhooks import service as webhooks
from errors import ValidationError
from extensions import db
from org import http_settings
from web.pages import pages
from web.pages.common import me


def _back(message: str | None = None, category: str = "success"):
    if message:
        flash(message, category)
    return redirect(url_for("pages.integrations"))


def _refused(exc: ValidationError):
    db.session.rollback()
    return _back("; ".join(f"{k}: {v}" for k, v in sorted(exc.fields.items())) or exc.message, "danger")


@pages.get("/settings/integrations")
def integrations():
    return render_template("settings/integrations.html", http=http_settings.http_settings(actor=me()),
                           endpoints=[webhooks.endpoint_dict(e) for e in webhooks.list_endpoints(actor=me())],
                           event_types=[webhooks.ALL, *event_types()])


@pages.post("/settings/integrations/hosts")
def integrations_hosts():
    hosts = [line.strip() for line in request.form.get("allowed_hosts", "").splitlines() if line.strip()]
    try:
        http_settings.save_http_settings({"allowed_hosts": hosts}, actor=me())
    except ValidationError as exc:
        return _refused(exc)
    return _back("Allowed hosts saved.")


@pages.post("/settings/integrations/secrets")
def integrations_secret():
    name, value = request.form.get("name", "").strip(), request.form.get("value", "")
    try:
        http_settings.save_http_settings({"secrets": {name: value or None}}, actor=me())
    except ValidationError as exc:
        return _refused(exc)
    return _back(f"Secret {name} saved." if value else f"Secret {name} deleted.")


@pages.post("/settings/integrations/webhooks")
def integrations_webhook_create():
    data = {"url": request.form.get("url", "").strip(), "description": request.form.get("description", ""),
            "event_types": request.form.getlist("event_types")}
    try:
        row, secret = webhooks.create_endpoint(data, actor=me())
    except ValidationError as exc:
        return _refused(exc)
    return _back(f"Webhook {row.id} registered. Its signing secret (shown this once): {secret}")


@pages.post("/settings/integrations/webhooks/<int:endpoint_id>/delete")
def integrations_webhook_delete(endpoint_id: int):
    webhooks.delete_endpoint(endpoint_id, actor=me())
    return _back("Webhook deleted.")


@pages.get("/settings/integrations/webhooks/<int:endpoint_id>")
def integrations_webhook_log(endpoint_id: int):
    endpoint = webhooks.get_endpoint(endpoint_id, actor=me())
    return render_template("settings/webhook_log.html", endpoint=webhooks.endpoint_dict(endpoint),
                           deliveries=webhooks.list_deliveries(endpoint_id, actor=me(), limit=100))


@pages.post("/settings/integrations/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def integrations_redeliver(endpoint_id: int, delivery_id: int):
    webhooks.redeliver(endpoint_id, delivery_id, actor=me())
    flash("The delivery is sent again.", "success")
    return redirect(url_for("pages.integrations_webhook_log", endpoint_id=endpoint_id))
