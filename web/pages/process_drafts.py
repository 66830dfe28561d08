"""The designer's drafts, deleting an unused version and archiving, as pages (engine.drafts)."""
from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, url_for
from sqlalchemy import select

from engine import drafts
from engine.models import ProcessDefinition
from errors import ServiceError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.processes import KEY, _problems, _require_design, _uploaded_bytes


@pages.post("/processes/draft")
def process_save_draft():
    """The modeler's "Save draft": JSON in, JSON out; a draft is kept even with problems."""
    try:
        draft = drafts.save_draft(_uploaded_bytes(), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        return jsonify({"error": exc.message, "errors": _problems(exc)}), exc.status
    return jsonify({**drafts.draft_to_dict(draft),
                    "url": url_for("pages.process_draft_edit", key=draft.key)})


@pages.get(f"/processes/{KEY}/draft/edit")
def process_draft_edit(key: str):
    _require_design()
    draft = drafts.get_draft(key)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    return render_template("processes/designer.html", definition=definition, version=None, draft=draft,
                           xml_url=url_for("pages.process_draft_bpmn", key=key), warnings=draft.problems)


@pages.get(f"/processes/{KEY}/draft/bpmn")
def process_draft_bpmn(key: str):
    _require_design()
    return Response(drafts.get_draft(key).bpmn, mimetype="application/xml")


@pages.post(f"/processes/{KEY}/draft/publish")
def process_draft_publish(key: str):
    try:
        version = drafts.publish_draft(key, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        problems = "; ".join(f"{p['element'] or 'diagram'}: {p['message']}" for p in _problems(exc))
        flash(f"The draft was not published: {problems}", "danger")
        return redirect(url_for("pages.process_draft_edit", key=key))
    flash(f"“{version.name}” published as version {version.number}.", "success")
    return redirect(url_for("pages.process_view", key=key))


@pages.post(f"/processes/{KEY}/draft/delete")
def process_draft_delete(key: str):
    drafts.delete_draft(key, actor=me())
    flash("The draft was thrown away.", "success")
    return redirect(url_for("pages.process_list"))


@pages.post(f"/processes/{KEY}/versions/<int:number>/delete")
def process_version_delete(key: str, number: int):
    try:
        definition = drafts.delete_version(key, number, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("pages.process_view", key=key))
    flash(f"Version {number} was deleted.", "success")
    if definition is None:
        return redirect(url_for("pages.process_list"))
    return redirect(url_for("pages.process_view", key=key))


@pages.post(f"/processes/{KEY}/archive")
def process_archive(key: str):
    drafts.set_archived(key, True, actor=me())
    flash("The process is archived: it starts nothing; its running instances go on.", "success")
    return redirect(url_for("pages.process_view", key=key))


@pages.post(f"/processes/{KEY}/unarchive")
def process_unarchive(key: str):
    drafts.set_archived(key, False, actor=me())
    flash("The process is back from the archive; activate it to let its triggers start it.", "success")
    return redirect(url_for("pages.process_view", key=key))
