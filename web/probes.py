"""Probes for load balancers, service managers and Prometheus: /healthz, /readyz, /metrics.

No login: /healthz and /readyz tell nothing secret (states and ages); /metrics is guarded by
FLOWDESK_METRICS_TOKEN or an address allow-list (FLOWDESK_METRICS_ALLOW)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ops import health, metrics

probes = Blueprint("probes", __name__)


@probes.get("/healthz")
def healthz():
    """The process answers (liveness)."""
    return jsonify({"status": "ok"})


@probes.get("/readyz")
def readyz():
    """Database, broker, worker and beat heartbeats, free disk; 503 when one is down."""
    result = health.readiness()
    response = jsonify(result)
    response.status_code = 200 if result["ready"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@probes.get("/metrics")
def prometheus_metrics():
    """Prometheus' text format; 403 without the token or from an address not allowed."""
    if not metrics.allowed(request.remote_addr, request.headers.get("Authorization"), current_app.config):
        abort(403, "Metrics need the metrics token (FLOWDESK_METRICS_TOKEN) or an allowed address "
                   "(FLOWDESK_METRICS_ALLOW)")
    return Response(metrics.render(), mimetype=metrics.CONTENT_TYPE)
