"""The import pages: upload, map columns with a preview, progress, the per-row report."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from crm.entities import entity
from crm.services import imports as svc
from errors import ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.records import ICONS, PLURAL, spec_for

PREVIEW_ROWS = 5


@pages.route(f"/{PLURAL}/import", methods=["GET", "POST"])
def record_import(plural: str):
    """Upload a CSV or XLSX file; the next page maps its columns."""
    spec = spec_for(plural)
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationError.from_fields({"file": "Choose a CSV or XLSX file"})
            job = svc.upload_import(spec.name, upload.filename, upload.read(), actor=me())
        except ValidationError as exc:
            db.session.rollback()
            error = exc.fields.get("file") or exc.message
        else:
            return redirect(url_for("pages.import_view", job_id=job.id))
    return render_template("records/import.html", spec=spec, icon=ICONS[spec.name], error=error), (
        422 if error else 200)


@pages.get("/imports/<int:job_id>")
def import_view(job_id: int):
    """A draft: the mapping form with the first rows; later: the progress."""
    job = svc.get_import(job_id, actor=me())
    spec = entity(job.entity)
    return render_template("records/import_job.html", spec=spec, icon=ICONS[spec.name], job=job,
                           info=svc.import_to_dict(job), preview=job.rows[:PREVIEW_ROWS], error=None)


@pages.post("/imports/<int:job_id>/start")
def import_start(job_id: int):
    mapping = {k.removeprefix("col_"): v for k, v in request.form.items() if k.startswith("col_")}
    try:
        svc.start_import(job_id, mapping, request.form.get("on_duplicate", "skip"), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        job = svc.get_import(job_id, actor=me())
        spec = entity(job.entity)
        return render_template("records/import_job.html", spec=spec, icon=ICONS[spec.name], job=job,
                               info=svc.import_to_dict(job), preview=job.rows[:PREVIEW_ROWS],
                               error="; ".join(exc.fields.values()) or exc.message), 422
    return redirect(url_for("pages.import_view", job_id=job_id))


@pages.get("/imports/<int:job_id>/progress")
def import_progress(job_id: int):
    """The progress panel (htmx polls it while the import runs)."""
    job = svc.get_import(job_id, actor=me())
    return render_template("records/_import_progress.html", job=job, info=svc.import_to_dict(job))


@pages.get("/imports/<int:job_id>/report.csv")
def import_report(job_id: int):
    job = svc.get_import(job_id, actor=me())
    return Response(svc.report_csv(job), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-{job_id}-report.csv"'})
