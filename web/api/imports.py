"""Background imports: POST /api/v1/<records>/imports, GET /api/v1/imports/<id>[/report.csv]."""
from __future__ import annotations

import json

from flask import Response, g, jsonify, request

from crm.services import imports as svc
from errors import ValidationError
from web.api import api
from web.api.records import _entity


@api.post("/<records:plural>/imports")
def create_import(plural: str):
    """Upload a CSV or XLSX `file`; `mapping` (JSON: column number -> field, default: by header
    names) and `on_duplicate` (skip | create); `start=0` keeps it a draft. 202 with its progress."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError.from_fields({"file": "Send the file as multipart field `file`"})
    job = svc.upload_import(_entity(plural), upload.filename or "", upload.read(), actor=g.actor)
    if request.form.get("start", "1") != "0":
        try:
            mapping = json.loads(request.form["mapping"]) if request.form.get("mapping") else job.mapping
        except ValueError:
            raise ValidationError.from_fields({"mapping": "Expected JSON"}) from None
        svc.start_import(job.id, mapping, request.form.get("on_duplicate", "skip"), actor=g.actor)
    return jsonify(svc.import_to_dict(job)), 202


@api.get("/imports/<int:job_id>")
def get_import(job_id: int):
    """An import's progress and the first lines of its report."""
    return jsonify(svc.import_to_dict(svc.get_import(job_id, actor=g.actor)))


@api.get("/imports/<int:job_id>/report.csv")
def import_report(job_id: int):
    """The whole per-row report (row, field, message) as CSV."""
    job = svc.get_import(job_id, actor=g.actor)
    return Response(svc.report_csv(job), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{job_id}-report.csv"'})
