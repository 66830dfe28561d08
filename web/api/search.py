"""GET /api/v1/search?q=&limit=: records the caller may read, best match first, grouped by type."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.search.query import MAX_LIMIT, search_records
from errors import ValidationError
from web.api import api
from web.search_results import result_groups, result_items

MAX_QUERY = 200


@api.get("/search")
def search():  # noqa: ANN201
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
    result = search_records(q, actor=g.actor, limit=int(raw_limit))
    items = result_items(result)
    return jsonify({"query": q, "terms": result.terms, "items": items, "groups": result_groups(items)})
