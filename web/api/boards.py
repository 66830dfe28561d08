"""Kanban boards of leads and deals (crm.services.boards) and deal pipelines (crm.services.pipelines)."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import records_to_dicts
from crm.services import boards, pipelines
from web.api import api, json_body, page_args
from web.api.openapi import items_of, op, param, path_id, ref, register_paths

BOARD_PLURALS = {"leads": "lead", "deals": "deal"}


def board_answer(entity: str, limit: int, cursor: str | None) -> dict:
    """The board with each column's first page, or (`?column=`) one page of one column."""
    filters = boards.parse_filters(entity, request.args)
    column = request.args.get("column")
    if column is not None:
        page = boards.column_page(entity, column, actor=g.actor, filters=filters, cursor=cursor, limit=limit)
        return {"items": records_to_dicts(entity, page.items), "next": page.next}
    found = boards.board_with_cards(entity, actor=g.actor, filters=filters, limit=limit)
    for col in found.columns:
        page = col.pop("page")
        col.update(items=records_to_dicts(entity, page.items), next=page.next)
    return {"entity": entity, "pipeline_id": found.pipeline_id, "currency": found.currency,
            "columns": found.columns}


@api.get("/leads/board", endpoint="lead_board", defaults={"plural": "leads"})
@api.get("/deals/board", endpoint="deal_board", defaults={"plural": "deals"})
def record_board(plural: str):
    limit, cursor = page_args() if "limit" in request.args else (20, request.args.get("cursor") or None)
    return jsonify(board_answer(BOARD_PLURALS[plural], limit, cursor))


@api.get("/pipelines")
def list_pipelines():
    return jsonify({"items": [pipelines.pipeline_to_dict(p) for p in pipelines.list_pipelines()]})


@api.post("/pipelines")
def create_pipeline():
    return jsonify(pipelines.pipeline_to_dict(pipelines.create_pipeline(json_body(), actor=g.actor))), 201


@api.patch("/pipelines/<int:pipeline_id>")
def update_pipeline(pipeline_id: int):
    found = pipelines.update_pipeline(pipeline_id, json_body(), actor=g.actor)
    return jsonify(pipelines.pipeline_to_dict(found))


_KEY_DOC = ("The process that walks this pipeline's deals through its stages (null: "
            "\"Perform in stages\" for the default pipeline, none for the others)")
_STAGE = {"type": "object", "required": ["code", "name", "semantic"], "properties": {
    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]{0,31}$"}, "name": {"type": "string"},
    "semantic": {"type": "string", "enum": ["open", "won", "lost"]}}}
_PIPELINE = {"type": "object", "required": ["id", "name", "sort", "is_default", "stages"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "sort": {"type": "integer"},
    "is_default": {"type": "boolean"}, "stages": {"type": "array", "items": _STAGE},
    "process_key": {"type": ["string", "null"], "description": _KEY_DOC}}}
_PIPELINE_IN = {"type": "object", "properties": {
    "name": {"type": "string", "maxLength": 100}, "sort": {"type": "integer"},
    "stages": {"type": "array", "items": _STAGE, "minItems": 1, "maxItems": 50},
    "process_key": {"type": ["string", "null"], "description": _KEY_DOC}}}
_COLUMN = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "semantic": {"type": "string"},
    "count": {"type": "integer"}, "amount": {"type": "number", "description": "total in `currency`"},
    "other_currencies": {"type": "integer", "description": "records with an amount in another currency"},
    "droppable": {"type": "boolean", "description": "whether the caller may move records here"},
    "items": {"type": "array", "items": {"type": "object"}}, "next": {"type": ["string", "null"]}}}
_BOARD = {"type": "object", "properties": {
    "entity": {"type": "string"}, "pipeline_id": {"type": ["integer", "null"]},
    "currency": {"type": "string"}, "columns": {"type": "array", "items": _COLUMN},
    "items": {"type": "array", "items": {"type": "object"}}, "next": {"type": ["string", "null"]}}}
_BOARD_PARAMS = [
    param("column", description="One column's page of cards (a status or stage code)"),
    param("cursor", description="The `next` of the previous page of that column"),
    param("limit", schema={"type": "integer", "minimum": 1}),
    param("responsible", schema={"type": "integer"}), param("department", schema={"type": "integer"},
                                                            description="and its sub-departments"),
    param("created_from", schema={"type": "string", "format": "date"}),
    param("created_to", schema={"type": "string", "format": "date"}),
]


def _board_op(label: str, extra: list[dict]) -> dict:
    return op(f"The {label} board: columns with counts, totals and first pages", tag="Boards",
              params=_BOARD_PARAMS + extra, response=ref("Board"), errors=("401", "403", "404", "422"),
              description="With `column`: {items, next} of that column only.")


register_paths({
    "/leads/board": {"get": _board_op("lead", [param("source")])},
    "/deals/board": {"get": _board_op("deal", [param("pipeline_id", schema={"type": "integer"})])},
    "/pipelines": {
        "get": op("Deal pipelines with their stages", tag="Pipelines", response=items_of("Pipeline"),
                  errors=("401",)),
        "post": op("Create a pipeline (administrators)", tag="Pipelines", body=_PIPELINE_IN,
                   response=ref("Pipeline"), status="201", errors=("401", "403", "422"))},
    "/pipelines/{pipeline_id}": {"patch": op(
        "Rename, reorder or change the stages of a pipeline", tag="Pipelines", body=_PIPELINE_IN,
        params=[path_id("pipeline_id")], response=ref("Pipeline"), errors=("401", "403", "404", "422"))},
}, schemas={"Pipeline": _PIPELINE, "Board": _BOARD})
