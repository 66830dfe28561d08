"""/drive rights, "shared with me" and public links."""
from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, request

from drive.serialize import item_to_dict, link_to_dict, right_to_dict
from drive.services import sharing
from errors import ValidationError
from web.api import api, json_body


@api.get("/drive/items/<int:item_id>/rights", endpoint="drive_rights")
def rights_view(item_id: int):
    _item, level, rows = sharing.get_rights(item_id, actor=g.actor)
    return jsonify({"items": [right_to_dict(r) for r in rows]})


@api.put("/drive/items/<int:item_id>/rights", endpoint="drive_rights_save")
def rights_save_view(item_id: int):
    data = request.get_json(silent=True)
    entries = data.get("items") if isinstance(data, dict) else data
    rows = sharing.set_rights(item_id, entries, actor=g.actor)
    return jsonify({"items": [right_to_dict(r) for r in rows]})


@api.get("/drive/shared", endpoint="drive_shared")
def shared_view():
    return jsonify({"items": [item_to_dict(i, lvl) for i, lvl in sharing.shared_with_me(actor=g.actor)]})


@api.get("/drive/items/<int:item_id>/links", endpoint="drive_links")
def links_view(item_id: int):
    return jsonify({"items": [link_to_dict(r) for r in sharing.list_links(item_id, actor=g.actor)]})


@api.post("/drive/items/<int:item_id>/links", endpoint="drive_link_create")
def link_create_view(item_id: int):
    data = json_body()
    expires = data.get("expires_at")
    try:
        when = datetime.fromisoformat(expires.rstrip("Z")) if expires else None
    except (AttributeError, ValueError) as exc:
        raise ValidationError.from_fields({"expires_at": "An ISO date-time"}) from exc
    password = data.get("password")
    if password is not None and (not isinstance(password, str) or not password):
        raise ValidationError.from_fields({"password": "A non-empty text, or leave it out"})
    token, row = sharing.create_link(item_id, actor=g.actor, expires_at=when, password=password)
    return jsonify(link_to_dict(row, token)), 201


@api.delete("/drive/links/<int:link_id>", endpoint="drive_link_revoke")
def link_revoke_view(link_id: int):
    return jsonify(link_to_dict(sharing.revoke_link(link_id, actor=g.actor)))
