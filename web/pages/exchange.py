"""Export and import from the list pages: CSV or XLSX downloads with the list's filters, and
imports run as background jobs with column mapping, progress and a per-row error report."""
from __future__ import annotations

from flask import Response, abort, request, stream_with_context

from crm.services import exchange
from crm.services.spreadsheets import XLSX_MIME
from web.pages import pages
from web.pages.common import me
from web.pages.records import PLURAL, _list_filters, spec_for


@pages.get(f"/{PLURAL}/export")
def record_export(plural: str):
    """The list as it is filtered (search, status, responsible) as a CSV or XLSX download."""
    spec = spec_for(plural)
    fmt = request.args.get("format", "csv")
    filters = _list_filters(spec)
    if fmt == "xlsx":
        data = exchange.export_xlsx(spec.name, actor=me(), filters=filters)
        return Response(data, mimetype=XLSX_MIME,
                        headers={"Content-Disposition": f'attachment; filename="{plural}.xlsx"'})
    if fmt != "csv":
        abort(404)
    chunks = exchange.export_csv(spec.name, actor=me(), filters=filters)
    first = next(chunks)
    return Response(stream_with_context(_chain(first, chunks)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{plural}.csv"'})


def _chain(first: str, rest):  # noqa: ANN001
    yield first
    yield from rest
