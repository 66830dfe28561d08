"""GET /audit: the audit log, newest first, for administrators in admin mode."""
from __future__ import annotations

from flask import g, jsonify, request

from org import audit
from web.api import api, page_args
from web.api.openapi import op, page_of, param, ref, register_paths

FILTERS = ("actor", "action", "from", "to")


@api.get("/audit")
def list_audit():
    limit, cursor = page_args()
    filters = {k: request.args.get(k, "") for k in FILTERS}
    rows, nxt = audit.list_entries(filters, actor=g.actor, limit=limit, cursor=cursor)
    return jsonify({"items": [audit.entry_to_dict(r) for r in rows], "next": nxt})


def _docs() -> None:
    entry = {"type": "object", "additionalProperties": False,
             "required": ["id", "created_at", "actor_id", "actor", "address", "action", "target", "details"],
             "properties": {
                 "id": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
                 "actor_id": {"type": ["integer", "null"], "description": "The acting user (null: the CLI)"},
                 "actor": {"type": "string", "description": "E-mail, `process instance N` or the CLI"},
                 "address": {"type": ["string", "null"], "description": "The client's address"},
                 "action": {"type": "string", "enum": list(audit.ACTIONS)},
                 "target": {"type": "string", "description": "What was changed, e.g. `user 7`"},
                 "details": {"type": "object", "description": "What changed (before/after, names)"}}}
    params = [param("actor", description="A user id or e-mail"),
              param("action", description="An action, or its prefix (e.g. `role` or `2fa`)"),
              param("from", description="From this date or time (UTC, ISO 8601)"),
              param("to", description="Up to this date (inclusive) or time (UTC, ISO 8601)"),
              param("limit", schema={"type": "integer", "minimum": 1}), param("cursor")]
    register_paths({"/audit": {"get": op(
        "The audit log: who changed rights, roles, administrators, settings, users, processes and "
        "two-factor sign-in, and who exported data (administrators in admin mode)", tag="Audit",
        operation_id="list_audit", params=params, response=ref("AuditPage"), errors=("401", "403", "422"))}},
        schemas={"AuditEntry": entry, "AuditPage": page_of("AuditEntry")})


_docs()
