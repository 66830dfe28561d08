"""Settings: deal pipelines and their stages (crm.services.pipelines; administrators)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.services import pipelines as svc
from errors import ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me


def parse_stage_lines(text: str) -> list[dict]:
    """"CODE | Name | semantic" one a line (name and semantic optional) as the service's stages."""
    stages = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        stages.append({"code": parts[0], "name": parts[1] if len(parts) > 1 else "",
                       "semantic": (parts[2] if len(parts) > 2 else "") or "open"})
    return stages


def stage_lines(pipeline: object) -> str:
    return "\n".join(f"{s.code} | {s.name} | {s.semantic}" for s in svc.stages_of(pipeline))


def _form_data() -> dict:
    return {"name": request.form.get("name", ""), "sort": request.form.get("sort", "0") or "0",
            "process_key": request.form.get("process_key", "").strip() or None,
            "stages": parse_stage_lines(request.form.get("stages", ""))}


def _render(errors: dict | None = None, status: int = 200):
    return render_template("settings/pipelines.html", pipelines=svc.list_pipelines_to_manage(actor=me()),
                           stage_lines=stage_lines, errors=errors or {}, form=request.form), status


@pages.get("/settings/pipelines")
def pipeline_settings():
    return _render()


@pages.post("/settings/pipelines")
def pipeline_create():
    try:
        found = svc.create_pipeline(_form_data(), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _render({"new": exc.fields or {"_": exc.message}}, 422)
    flash(f"Pipeline “{found.name}” created.", "success")
    return redirect(url_for("pages.pipeline_settings"))


@pages.post("/settings/pipelines/<int:pipeline_id>")
def pipeline_save(pipeline_id: int):
    try:
        found = svc.update_pipeline(pipeline_id, _form_data(), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _render({pipeline_id: exc.fields or {"_": exc.message}}, 422)
    flash(f"Pipeline “{found.name}” saved.", "success")
    return redirect(url_for("pages.pipeline_settings"))
