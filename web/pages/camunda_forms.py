"""Camunda Forms in the designer: the list, .form uploads, the form-js editor."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from engine import camunda_forms
from errors import ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.processes import _problems, _require_design, can_design


def _uploaded() -> list[tuple[str, bytes]]:
    files = [(f.filename, f.stream.read()) for f in request.files.getlist("file") if f.filename]
    if not files:
        raise ValidationError.from_fields({"file": "Choose a .form file"})
    return files


@pages.get("/forms")
def form_list():
    return _list_page()


def _list_page(problems: list[dict] | None = None, status: int = 200):
    return render_template("camunda_forms/list.html", forms=camunda_forms.list_forms(),
                           can_design=can_design(), problems=problems or []), status


@pages.post("/forms/upload")
def form_upload():
    """.form files (Camunda Modeler's too): each becomes a new version of its id."""
    try:
        rows = camunda_forms.deploy_forms(_uploaded(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return _list_page(_problems(exc), exc.status)
    flash("Saved: " + ", ".join(f"{r.key} v{r.version}" for r in rows), "success")
    for warning in [w for r in rows for w in camunda_forms.feel_warnings(r.schema)]:
        flash(warning, "warning")
    return redirect(url_for("pages.form_list"))


@pages.post("/forms/deploy")
def form_deploy():
    """The editor's "Save as new version": JSON in, JSON out (problems name form and component)."""
    try:
        rows = camunda_forms.deploy_forms(_uploaded(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return jsonify({"error": exc.message, "errors": _problems(exc)}), exc.status
    return jsonify({"items": [camunda_forms.form_to_dict(r) for r in rows]}), 201


@pages.get("/forms/new")
def form_new():
    _require_design()
    return render_template("camunda_forms/editor.html", form=None, schema_url=None)


@pages.get("/forms/<key>/edit")
def form_edit(key: str):
    _require_design()
    row = camunda_forms.get_form(key)
    return render_template("camunda_forms/editor.html", form=row,
                           schema_url=url_for("pages.form_schema", key=key, version=row.version))


@pages.get("/forms/<key>/schema")
def form_schema(key: str):
    raw = request.args.get("version", "")
    if raw and (not raw.isdigit() or len(raw) > 9):
        raise ValidationError.from_fields({"version": "A version number"})
    row = camunda_forms.get_form(key, int(raw) if raw else None)
    return jsonify(row.schema)
