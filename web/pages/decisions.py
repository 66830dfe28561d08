"""DMN decisions in the designer: the list, .dmn uploads, the decision table editor (dmn-js)."""
from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for

from engine import decisions
from errors import ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.processes import _problems, _require_design, _uploaded_bytes, can_design


@pages.get("/decisions")
def decision_list():
    return _list_page()


def _list_page(problems: list[dict] | None = None, status: int = 200):
    return render_template("decisions/list.html", decisions=decisions.list_decisions(),
                           can_design=can_design(), problems=problems or []), status


@pages.post("/decisions/upload")
def decision_upload():
    """A .dmn file (Camunda Modeler's too): each decision becomes a new version."""
    try:
        rows = decisions.deploy_decisions(_uploaded_bytes(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return _list_page(_problems(exc), exc.status)
    flash("Saved: " + ", ".join(f"{r.key} v{r.version}" for r in rows), "success")
    return redirect(url_for("pages.decision_list"))


@pages.post("/decisions/deploy")
def decision_deploy():
    """The editor's "Save as new version": JSON in, JSON out (problems name decision/rule/column)."""
    try:
        rows = decisions.deploy_decisions(_uploaded_bytes(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return jsonify({"error": exc.message, "errors": _problems(exc)}), exc.status
    return jsonify({"items": [decisions.decision_to_dict(r) for r in rows]}), 201


@pages.get("/decisions/new")
def decision_new():
    _require_design()
    return render_template("decisions/editor.html", decision=None, xml_url=None)


@pages.get("/decisions/<key>/edit")
def decision_edit(key: str):
    _require_design()
    row = decisions.get_decision(key)
    return render_template("decisions/editor.html", decision=row,
                           xml_url=url_for("pages.decision_dmn", key=key, version=row.version))


@pages.get("/decisions/<key>/dmn")
def decision_dmn(key: str):
    raw = request.args.get("version", "")
    if raw and not raw.isdigit():
        raise ValidationError.from_fields({"version": "A version number"})
    row = decisions.get_decision(key, int(raw) if raw else None)
    return Response(row.dmn, mimetype="application/xml")
