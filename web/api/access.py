"""Roles, assignments and "why can this user see this record?" under /api/v1."""
from __future__ import annotations

from flask import g, jsonify, request

from crm import access as rules
from crm.rights import services as svc
from web.api import access_docs, api, json_body  # noqa: F401  (OpenAPI entries)


@api.get("/roles")
def list_roles():
    return jsonify({"items": [svc.role_to_dict(r) for r in svc.list_roles(actor=g.actor)]})


@api.post("/roles")
def create_role():
    return jsonify(svc.role_to_dict(svc.create_role(json_body(), actor=g.actor))), 201


@api.get("/roles/<int:role_id>")
def get_role(role_id: int):
    return jsonify(svc.role_to_dict(svc.get_role(role_id, actor=g.actor)))


@api.patch("/roles/<int:role_id>")
def update_role(role_id: int):
    return jsonify(svc.role_to_dict(svc.update_role(role_id, json_body(), actor=g.actor)))


@api.delete("/roles/<int:role_id>")
def delete_role(role_id: int):
    svc.delete_role(role_id, actor=g.actor)
    return "", 204


@api.post("/roles/<int:role_id>/assignments")
def add_assignment(role_id: int):
    assignment = svc.add_assignment(role_id, json_body(), actor=g.actor)
    return jsonify(svc.assignment_to_dict(assignment)), 201


@api.delete("/roles/<int:role_id>/assignments/<int:assignment_id>")
def remove_assignment(role_id: int, assignment_id: int):
    svc.remove_assignment(role_id, assignment_id, actor=g.actor)
    return "", 204


@api.get("/access/explain")
def explain():
    args = request.args
    return jsonify(svc.explain_access(args.get("user", ""), args.get("entity", ""), args.get("id"),
                                      args.get("action", "read"), actor=g.actor))


@api.get("/access/me")
def my_rights():
    return jsonify(rules.effective_matrix(g.actor))
