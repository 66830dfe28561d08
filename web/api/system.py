"""GET /system/status: what the system page shows, for administrators in admin mode."""
from __future__ import annotations

from flask import g, jsonify

from ops import status
from web.api import api
from web.api.openapi import op, register_paths


@api.get("/system/status")
def system_status():
    return jsonify(status.status_for(g.actor))


register_paths({"/system/status": {"get": op(
    "The system's state: readiness checks, versions, worker and beat heartbeats, event and timer "
    "backlogs, queue depth, system mail, failed background jobs, disk (administrators in admin mode)",
    tag="System", operation_id="system_status",
    response={"type": "object", "required": ["readiness", "versions", "heartbeats", "outbox", "timers",
                                             "queue_depth", "mail", "failed_jobs", "disk"]},
    errors=("401", "403"))}})
