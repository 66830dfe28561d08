"""The process designer: processes and their versions, the web modeler, uploads, triggers."""
from __future__ import annotations

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for

from engine import deploy
from engine.camunda_forms import start_form
from engine.element_templates import element_templates
from engine.instances import list_instances
from errors import Forbidden, ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.lookups import users_by_id

KEY = "<key>"


def can_design() -> bool:
    """Whether the logged-in user may upload diagrams and change processes."""
    try:
        deploy.require_designer(me())
    except Forbidden:
        return False
    return True


@pages.get("/processes")
def process_list():
    return _list_page()


def _list_page(problems: list[dict] | None = None, status: int = 200):
    from engine.drafts import list_drafts

    archived = request.args.get("archived") == "1"
    processes = deploy.list_processes(archived=archived)
    if archived:
        processes = [p for p in processes if p["archived"]]
    from engine.incidents import open_counts

    return render_template("processes/list.html", processes=processes, archived=archived,
                           incidents=open_counts(),
                           drafts=list_drafts() if can_design() else [],
                           can_design=can_design(), problems=problems or []), status


@pages.get("/processes/element-templates.json")
def process_element_templates():
    """The activities as Camunda 7 element templates, for the modeler's properties panel."""
    return jsonify(element_templates())


def _uploaded_bytes() -> bytes:
    limit = current_app.config.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError.from_fields({"file": "Choose a .bpmn file"})
    return upload.stream.read(limit + 1)


def _problems(exc: ServiceError) -> list[dict]:
    """A refused diagram's problems as [{element, message}] (field errors have no element)."""
    errors = getattr(exc, "errors", None)
    if errors:
        return errors
    return [{"element": None, "message": m} for m in (exc.fields or {}).values()] or [
        {"element": None, "message": exc.message}]


@pages.post("/processes/upload")
def process_upload():
    """A .bpmn file from the list page (Camunda Modeler's files too) becomes a new version;
    a .dmn file deploys its decisions."""
    if (request.files.get("file") and request.files["file"].filename or "").lower().endswith(".dmn"):
        from web.pages.decisions import decision_upload

        return decision_upload()
    try:
        version = deploy.deploy_process(_uploaded_bytes(), actor=me())
    except (ValidationError, deploy.PayloadTooLarge) as exc:
        db.session.rollback()
        return _list_page(_problems(exc), exc.status)
    flash(f"“{version.name}” saved as version {version.number}.", "success")
    return redirect(url_for("pages.process_view", key=version.definition.key))


@pages.post("/processes/deploy")
def process_deploy():
    """The modeler's "Save as new version": JSON in, JSON out (errors name their elements)."""
    try:
        version = deploy.deploy_process(_uploaded_bytes(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return jsonify({"error": exc.message, "errors": _problems(exc)}), exc.status
    key = version.definition.key
    if request.args.get("from_draft") == key:  # the draft opened in the designer is published
        from engine.drafts import drop_draft

        drop_draft(key)
    flash(f"“{version.name}” saved as version {version.number}.", "success")
    body = {"key": key, "version": version.number, "url": url_for("pages.process_view", key=key)}
    warnings = deploy.version_warnings(version)
    if warnings:
        body["warnings"] = warnings
    return jsonify(body), 201


def _require_design() -> None:
    deploy.require_designer(me())


@pages.get("/processes/new")
def process_new():
    _require_design()
    return render_template("processes/designer.html", definition=None, version=None,
                           xml_url=None)


@pages.get(f"/processes/{KEY}/versions/<int:number>/edit")
def process_edit(key: str, number: int):
    _require_design()
    version = deploy.get_version(key, number)
    return render_template("processes/designer.html", definition=version.definition, version=version,
                           xml_url=url_for("pages.process_bpmn", key=key, number=number),
                           warnings=deploy.version_warnings(version))


@pages.get(f"/processes/{KEY}/versions/<int:number>/bpmn")
def process_bpmn(key: str, number: int):
    version = deploy.get_version(key, number)
    return Response(version.bpmn, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})


@pages.get(f"/processes/{KEY}/versions/<int:number>/heatmap.json")
def process_heatmap(key: str, number: int):
    """Average and p90 time per element of a version, for the diagram's heat map (designers)."""
    from engine.history import heatmap

    return jsonify(heatmap(key, number, actor=me()))


@pages.get(f"/processes/{KEY}")
def process_view(key: str):
    definition = deploy.get_definition(key)
    info = next(p for p in deploy.list_processes(archived=True) if p["key"] == key)
    instances = list_instances(actor=me(), key=key, limit=25)
    users = users_by_id({v.created_by_id for v in definition.versions}
                        | {i.started_by_id for i in instances})
    latest = definition.versions[-1] if definition.versions else None
    from engine.drafts import ProcessDraft, versions_in_use

    return render_template("processes/process.html", definition=definition, info=info,
                           draft=db.session.get(ProcessDraft, key), used=versions_in_use(definition),
                           versions=list(reversed(definition.versions)), instances=instances,
                           users=users, can_design=can_design(), can_migrate=_can_migrate(definition),
                           warnings=deploy.version_warnings(latest) if latest else [],
                           has_start_form=bool(latest and definition.active and start_form(latest)))


def _can_migrate(definition: object) -> bool:
    """Whether to offer the migration page: administrators, once there are two versions."""
    from org.admin import acts_as_admin

    return len(definition.versions) > 1 and acts_as_admin(me())


@pages.get(f"/processes/{KEY}/versions/<int:number>")
def process_version(key: str, number: int):
    version = deploy.get_version(key, number)
    latest = deploy.latest_version(version.definition)
    return render_template("processes/version.html", version=version, definition=version.definition,
                           latest=latest, can_design=can_design(), warnings=deploy.version_warnings(version),
                           creator=users_by_id([version.created_by_id]).get(version.created_by_id))


@pages.post(f"/processes/{KEY}/active")
def process_active(key: str):
    active = request.form.get("active") == "1"
    deploy.set_active(key, active, actor=me())
    flash("The process is active: its triggers start instances." if active
          else "The process is inactive: it starts no new instances.", "success")
    return redirect(url_for("pages.process_view", key=key))


@pages.route(f"/processes/{KEY}/triggers", methods=["GET", "POST"])
def process_triggers(key: str):
    """The message start triggers of the newest version: changed fields and a condition."""
    _require_design()
    version = deploy.latest_version(deploy.get_definition(key))
    errors: dict[str, str] = {}
    submitted = None
    if request.method == "POST":
        submitted = _submitted_triggers(version.triggers or [])
        try:
            deploy.update_triggers(key, submitted, actor=me())
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
        else:
            flash("Triggers saved.", "success")
            return redirect(url_for("pages.process_view", key=key))
    rows = _trigger_rows(version.triggers or [], submitted)
    return render_template("processes/triggers.html", version=version, definition=version.definition,
                           rows=rows, errors=errors), (422 if errors else 200)


def _submitted_triggers(current: list[dict]) -> list[dict]:
    out = []
    for i, trig in enumerate(current):
        fields = request.form.getlist(f"fields-{i}")
        out.append({"element_id": trig["element_id"], "fields": fields or None,
                    "condition": request.form.get(f"condition-{i}", "").strip() or None})
    return out


def _trigger_rows(current: list[dict], submitted: list[dict] | None) -> list[dict]:
    rows = []
    for i, trig in enumerate(current):
        shown = submitted[i] if submitted else trig
        names = sorted(deploy.entity_field_names(trig["entity"]) - {"dept_path"})
        rows.append({"index": i, "trigger": trig, "fields": shown.get("fields") or [],
                     "condition": shown.get("condition") or "", "field_names": names})
    return rows
