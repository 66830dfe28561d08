"""Background imports: POST /api/v1/<records>/imports, GET /api/v1/imports/<id>[/report.csv]."""
from __future__ import annotations

import json

from flask import Response, g, jsonify, request

from crm.services import imports as svc
from errors import ValidationError
from web.api import api
from web.api.openapi import op, path_id, register_paths
from web.api.records import RECORD_TYPES, _entity

TAG = "Export and import"


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


def _paths() -> dict:
    job = {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"enum": ["draft", "queued", "running", "done"]},
        "total": {"type": "integer"}, "processed": {"type": "integer"}, "created": {"type": "integer"},
        "skipped": {"type": "integer"}, "failed": {"type": "integer"},
        "report": {"type": "array", "items": {"type": "object"}}}}
    upload = {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "mapping": {"type": "string", "description": 'JSON {"0": "title", ...}'},
        "on_duplicate": {"enum": ["skip", "create"]}, "start": {"enum": ["0", "1"]}}}
    paths: dict = {f"/{plural}/imports": {"post": op(
        f"Import {plural} from CSV or XLSX in the background", tag=TAG, body=upload,
        media="multipart/form-data", response=job, status="202", operation_id=f"import_job_{plural}",
        description="Bad rows are reported (row, field, message) and left out; the good ones are kept.")}
        for plural in RECORD_TYPES}
    jid = path_id("job_id")
    paths["/imports/{job_id}"] = {"get": op("An import's progress", tag=TAG, params=[jid],
                                            response=job, operation_id="get_import")}
    paths["/imports/{job_id}/report.csv"] = {"get": op(
        "An import's per-row report", tag=TAG, params=[jid], media="text/csv",
        response={"type": "string"}, operation_id="import_report")}
    for plural in RECORD_TYPES:  # the body is multipart, the answer JSON
        paths[f"/{plural}/imports"]["post"]["responses"]["202"]["content"] = {
            "application/json": {"schema": job}}
    return paths


register_paths(_paths())
