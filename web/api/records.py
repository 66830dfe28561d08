"""The generic CRM records (crm.entities.ENTITIES): one set of routes for every record type."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.entities import ENTITIES
from crm.serialize import record_to_dict, records_to_dicts
from crm.services import records as svc
from crm.services.conversion import convert_lead
from crm.services.timeline import add_comment, entry_to_dict, list_timeline
from drive.services.attachments import visible_entries
from errors import NotFound, ValidationError
from web.api import api, if_match, json_body, page_args, with_etag

RECORD_TYPES = {e.plural: e.name for e in ENTITIES.values()}
LIST_PARAMS = {"limit", "cursor", "before", "sort", "with_total"}
TOTAL_CAP = 10_000  # counting past it costs seconds on big tables; above it `total` is TOTAL_CAP + 1


def _entity(plural: str) -> str:
    if plural not in RECORD_TYPES:
        raise NotFound(f"Unknown collection {plural!r}")
    return RECORD_TYPES[plural]


@api.get("/<records:plural>")
def list_records(plural: str):
    entity = _entity(plural)
    limit, cursor = page_args()
    filters = {k: v for k, v in request.args.items() if k not in LIST_PARAMS}
    page = svc.list_records(entity, actor=g.actor, filters=filters, sort=request.args.get("sort", "-id"),
                            limit=limit, cursor=cursor, before=request.args.get("before") or None)
    body = {"items": records_to_dicts(entity, page.items), "next": page.next, "prev": page.prev}
    if _flag("with_total"):
        total = svc.count_records(entity, actor=g.actor, filters=filters, cap=TOTAL_CAP)
        body |= {"total": min(total, TOTAL_CAP + 1), "total_exact": total <= TOTAL_CAP}
    return jsonify(body)


def _flag(name: str) -> bool:
    raw = request.args.get(name, "false").lower()
    if raw not in {"true", "false", "1", "0"}:
        raise ValidationError.from_fields({name: "true or false"})
    return raw in {"true", "1"}


@api.post("/<records:plural>")
def create_record(plural: str):
    record, emails = svc.create_record_with_emails(_entity(plural), json_body(), actor=g.actor)
    return jsonify(record_to_dict(record, emails)), 201


@api.get("/<records:plural>/<int:record_id>")
def get_record(plural: str, record_id: int):
    record = svc.get_record(_entity(plural), record_id, actor=g.actor)
    return with_etag(jsonify(record_to_dict(record)), record.version)


@api.patch("/<records:plural>/<int:record_id>")
def update_record(plural: str, record_id: int):
    record = svc.update_record(_entity(plural), record_id, json_body(), actor=g.actor, if_match=if_match())
    return with_etag(jsonify(record_to_dict(record)), record.version)


@api.delete("/<records:plural>/<int:record_id>")
def delete_record(plural: str, record_id: int):
    svc.delete_record(_entity(plural), record_id, actor=g.actor, if_match=if_match())
    return "", 204


@api.get("/<records:plural>/<int:record_id>/timeline")
def record_timeline(plural: str, record_id: int):
    entries = list_timeline(_entity(plural), record_id, actor=g.actor,
                            before_id=request.args.get("before", type=int))
    entries = visible_entries(entries, actor=g.actor)  # attached drive files keep their own rights
    return jsonify({"items": [entry_to_dict(e) for e in entries]})


@api.post("/<records:plural>/<int:record_id>/comments")
def comment_record(plural: str, record_id: int):
    entry = add_comment(_entity(plural), record_id, str(json_body().get("text") or ""), actor=g.actor)
    return jsonify(entry_to_dict(entry)), 201


@api.post("/leads/<int:lead_id>/convert")
def convert(lead_id: int):
    data = json_body()
    result = convert_lead(lead_id, contact=bool(data.get("contact")), company=bool(data.get("company")),
                          deal=bool(data.get("deal")), actor=g.actor)
    return jsonify({k: record_to_dict(v) if v is not None else None for k, v in result.items()})
