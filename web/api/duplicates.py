"""Possible duplicates and merging: /api/v1/<leads|contacts|companies|deals>/duplicates, /merge."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.entities import ENTITIES
from crm.serialize import record_to_dict
from crm.services import duplicates as svc
from crm.services.merge import merge_records
from web.api import api, id_arg, json_body
from web.api.openapi import op, param, path_id, register_paths
from web.api.records import RECORD_TYPES, _entity


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


def _paths() -> dict:
    obj = {"type": "object"}
    candidates = {"type": "object", "required": ["items"], "properties": {"items": {
        "type": "array", "items": {"allOf": [obj, {"properties": {"matched": {
            "type": "array", "items": {"enum": ["email", "phone", "name", "title"]}}}}]}}}}
    groups = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"kind": {"type": "string"}, "key": {"type": "string"},
                                         "records": {"type": "array", "items": obj}}}}}}
    merge_body = {"type": "object", "required": ["survivor_id", "ids"], "properties": {
        "survivor_id": {"type": "integer", "minimum": 1},
        "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 4},
        "fields": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "field name -> the merged record whose value the survivor keeps"}}}
    paths: dict = {}
    for plural, name in RECORD_TYPES.items():
        tag = ENTITIES[name].label + "s"
        paths[f"/{plural}/duplicates"] = {"get": op(
            f"Possible duplicates of a {name} about to be created", tag=tag, response=candidates,
            operation_id=f"duplicates_for_{name}",
            params=[param("email", description="E-mail addresses, comma-separated"),
                    param("phone", description="Phone numbers in any format, comma-separated"),
                    param("title", description="Company name or deal title"),
                    param("company_id", schema={"type": "integer"}, description="A deal's company")])}
        paths[f"/{plural}/{{record_id}}/duplicates"] = {"get": op(
            f"Possible duplicates of a {name}", tag=tag, response=candidates,
            operation_id=f"duplicates_of_{name}", params=[path_id("record_id")])}
        paths[f"/{plural}/duplicate-groups"] = {"get": op(
            f"Groups of {plural} sharing an e-mail, phone or name", tag=tag, response=groups,
            operation_id=f"duplicate_groups_{plural}")}
        paths[f"/{plural}/merge"] = {"post": op(
            f"Merge two to five {plural} into one", tag=tag, body=merge_body, operation_id=f"merge_{plural}",
            response={"type": "object", "properties": {"record": obj, "moved": obj}},
            description="Needs edit rights on every record and delete rights on those that go (403 "
                        "names each missing one). Timeline, tasks, mail, files, calendar events, "
                        "references and process instances move to the survivor; all or nothing.")}
    return paths


register_paths(_paths())
