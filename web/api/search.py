"""GET /api/v1/search?q=&limit=: records the caller may read, best match first, grouped by type."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.entities import REGISTRY
from crm.search.query import MAX_LIMIT, search_records
from drive.services.search import search_files
from errors import ValidationError
from web.api import api
from web.api.openapi import op, param, ref, register_paths
from web.search_results import file_items, merged, result_groups, result_items

MAX_QUERY = 200


@api.get("/search")
def search():
    q = request.args.get("q", "")
    raw_limit = request.args.get("limit", "20")
    errors = {}
    if not q.strip():
        errors["q"] = "Type something to search for"
    elif len(q) > MAX_QUERY:
        errors["q"] = f"At most {MAX_QUERY} characters"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        errors["limit"] = f"A whole number from 1 to {MAX_LIMIT}"
    if errors:
        raise ValidationError.from_fields(errors)
    limit = int(raw_limit)
    result = search_records(q, actor=g.actor, limit=limit)
    items = merged(result_items(result), file_items(search_files(q, actor=g.actor, limit=limit)), limit)
    return jsonify({"query": q, "terms": result.terms, "items": items, "groups": result_groups(items)})


HIT = {"type": "object", "additionalProperties": False,
       "required": ["entity", "id", "title", "snippet", "url", "score"],
       "properties": {"entity": {"type": "string", "enum": [*REGISTRY, "file"]}, "id": {"type": "integer"},
                      "title": {"type": "string"},
                      "snippet": {"type": "string",
                                  "description": "The body line that matched, as plain text"},
                      "url": {"type": "string", "description": "The record's (or drive item's) page"},
                      "score": {"type": "number", "description": "Higher is better"}}}
register_paths({"/search": {"get": op(
    "Search records", tag="Search", operation_id="search", response=ref("SearchResults"),
    errors=("401", "422"),
    description="Leads, contacts, companies, deals and tasks the caller may read whose names, titles, "
                "e-mails, phones, company names, comments or task texts contain every typed word as a "
                "word prefix, best match first (ranked among the newest matches of each type); and drive "
                "files and folders the caller may read by name or text (entity \"file\").",
    params=[param("q", schema={"type": "string", "minLength": 1, "maxLength": MAX_QUERY}, required=True,
                  description="What was typed, e.g. \"acm\" finds Acme"),
            param("limit", schema={"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20})])}},
    schemas={"SearchHit": HIT, "SearchResults": {
        "type": "object", "additionalProperties": False, "required": ["query", "terms", "items", "groups"],
        "properties": {
            "query": {"type": "string"},
            "terms": {"type": "array", "items": {"type": "string"},
                      "description": "The words matched as prefixes (accents and case folded)"},
            "items": {"type": "array", "items": ref("SearchHit")},
            "groups": {"type": "array", "description": "The same hits per record type, best type first",
                       "items": {"type": "object", "additionalProperties": False,
                                 "required": ["entity", "label", "items"],
                                 "properties": {"entity": {"type": "string"}, "label": {"type": "string"},
                                                "items": {"type": "array", "items": ref("SearchHit")}}}}}}})
