"""CSV export and import: /api/v1/<leads|contacts|companies|deals|tasks>/export and /import."""
from __future__ import annotations

from flask import Response, g, jsonify, request, stream_with_context

from crm.entities import entry
from crm.services import exchange
from errors import ValidationError
from web.api import api

ROUTE = "/<entities:plural>"


@api.get(ROUTE + "/export")
def export_records(plural: str):
    """The records one may read and export as CSV; list filters apply (`?status=NEW`)."""
    fmt = request.args.get("format", "csv")
    if fmt != "csv":
        raise ValidationError.from_fields({"format": "Only csv is supported"})
    filters = {k: v for k, v in request.args.items() if k not in ("format", "sort", "limit", "cursor")}
    chunks = exchange.export_csv(entry(plural).name, actor=g.actor, filters=filters)
    first = next(chunks)  # run the query (and any 4xx) before the answer starts
    body = stream_with_context(_chain(first, chunks))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{plural}.csv"'})


def _chain(first: str, rest):  # noqa: ANN001
    yield first
    yield from rest


@api.post(ROUTE + "/import")
def import_records(plural: str):
    """Create records from a CSV (body text/csv, or a multipart `file`); all rows or none."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError.from_fields({"file": "Send the CSV encoded as UTF-8"}) from None
    ids = exchange.import_csv(entry(plural).name, text, actor=g.actor)
    return jsonify({"created": len(ids), "ids": ids}), 201
