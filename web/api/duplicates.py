"""Possible duplicates and merging: /api/v1/<leads|contacts|companies|deals>/duplicates, /merge."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import record_to_dict
from crm.services import duplicates as svc
from crm.services.merge import merge_records
from web.api import api, id_arg, json_body
from web.api.records import _entity


@api.get("/<records:plural>/duplicates")
def input_duplicates(plural: str):
    """Readable records sharing an e-mail, phone, company name (or deal title) with the input."""
    args = request.args
    items = svc.duplicates_for_input(_entity(plural), actor=g.actor, email=args.get("email", ""),
                                     phone=args.get("phone", ""), title=args.get("title", ""),
                                     company_id=id_arg("company_id"))
    return jsonify({"items": items})


@api.get("/<records:plural>/<int:record_id>/duplicates")
def record_duplicates(plural: str, record_id: int):
    """Readable records sharing a key with this one."""
    return jsonify({"items": svc.duplicates_of_record(_entity(plural), record_id, actor=g.actor)})


@api.get("/<records:plural>/duplicate-groups")
def duplicate_groups(plural: str):
    """Groups of readable records sharing a key."""
    return jsonify({"items": svc.duplicate_groups(_entity(plural), actor=g.actor)})


@api.post("/<records:plural>/merge")
def merge(plural: str):
    """Merge `ids` into `survivor_id`, each of `fields` taken from the record it names."""
    data = json_body()
    survivor, moved = merge_records(_entity(plural), data.get("survivor_id"), data.get("ids"),
                                    data.get("fields") or {}, actor=g.actor)
    return jsonify({"record": record_to_dict(survivor), "moved": moved})
