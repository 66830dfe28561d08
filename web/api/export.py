"""CSV export and import: /api/v1/<leads|contacts|companies|deals|tasks>/export and /import."""
from __future__ import annotations

from flask import Response, g, jsonify, request, stream_with_context

from crm.entities import entry
from crm.services import exchange
from crm.services.spreadsheets import XLSX_MIME
from errors import ValidationError
from web.api import api

ROUTE = "/<entities:plural>"


@api.get(ROUTE + "/export")
def export_records(plural: str):
    """The records one may read and export as CSV or XLSX (`?format=xlsx`); list filters apply
    (`?status=NEW`)."""
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise ValidationError.from_fields({"format": "One of csv, xlsx"})
    filters = {k: v for k, v in request.args.items() if k not in ("format", "sort", "limit", "cursor")}
    if fmt == "xlsx":
        return xlsx_response(exchange.export_xlsx(entry(plural).name, actor=g.actor, filters=filters), plural)
    chunks = exchange.export_csv(entry(plural).name, actor=g.actor, filters=filters)
    first = next(chunks)  # run the query (and any 4xx) before the answer starts
    body = stream_with_context(_chain(first, chunks))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{plural}.csv"'})


def xlsx_response(data: bytes, plural: str) -> Response:
    """A workbook as a download named after the list."""
    return Response(data, mimetype=XLSX_MIME, headers={
        "Content-Disposition": f'attachment; filename="{plural}.xlsx"'})


def _chain(first: str, rest):  # noqa: ANN001
    yield first
    yield from rest


@api.post(ROUTE + "/import")
def import_records(plural: str):
    """Create records from a CSV or XLSX (the body, or a multipart `file`); all rows or none."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    if raw[:2] == b"PK" or request.mimetype == XLSX_MIME:  # an XLSX is a zip file
        ids = exchange.import_xlsx(entry(plural).name, raw, actor=g.actor)
        return jsonify({"created": len(ids), "ids": ids}), 201
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError.from_fields({"file": "Send the CSV encoded as UTF-8"}) from None
    ids = exchange.import_csv(entry(plural).name, text, actor=g.actor)
    return jsonify({"created": len(ids), "ids": ids}), 201
