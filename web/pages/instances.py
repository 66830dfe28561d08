"""Process instances: the page with the diagram coloured by state, log and variables;
retry/suspend/resume/terminate; starting a process from a record page."""
from __future__ import annotations

import json

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from crm.entities import BY_PLURAL, ENTITIES
from engine import instances as svc
from engine.record_processes import element_names
from engine.start_forms import start_form_for, start_with_form, start_without_record
from engine.states import FINISHED_STATUSES, InstanceStatus
from engine.triggers import require_readable, start_manually
from errors import Forbidden, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url
from web.pages.lookups import titles_by_id, users_by_id

ACTIONS = {"retry": svc.retry_instance, "suspend": svc.suspend_instance,
           "resume": svc.resume_instance, "terminate": svc.terminate_instance}
DONE = {"retry": "The instance runs again from the failed step.", "suspend": "The instance is suspended.",
        "resume": "The instance runs again.", "terminate": "The instance was terminated."}


def allowed_actions(status: str) -> list[str]:
    """The control actions that make sense in a status."""
    out = []
    if status == InstanceStatus.ERROR:
        out.append("retry")
    if status in (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR):
        out.append("suspend")
    if status == InstanceStatus.SUSPENDED:
        out.append("resume")
    if status not in FINISHED_STATUSES:
        out.append("terminate")
    return out


@pages.get("/processes/instances/<int:instance_id>")
def instance_view(instance_id: int):
    instance = svc.get_instance(instance_id, actor=me())
    detail = svc.instance_detail(instance, actor=me())
    names = element_names(instance.version.bpmn)
    users = users_by_id({e["actor_id"] for e in detail["log"]} | {instance.started_by_id})
    record = None
    if instance.entity in ENTITIES and instance.entity_id:
        title = titles_by_id(instance.entity, [instance.entity_id], me()).get(instance.entity_id)
        if title:
            record = {"label": ENTITIES[instance.entity].label, "title": title,
                      "url": record_url(instance.entity, instance.entity_id)}
    for entry in detail["log"]:  # "completed Activity_Review" reads better as the element's name
        element = entry["element_id"]
        if element and names.get(element) and entry["message"]:
            entry["message"] = entry["message"].replace(element, names[element])
    states = {"task_states": detail["task_states"], "error_element": instance.error_element}
    variables = {k: json.dumps(v, ensure_ascii=False, indent=1 if isinstance(v, (dict, list)) else None)
                 for k, v in sorted(detail["variables"].items())}
    return render_template(
        "processes/instance.html", instance=instance, detail=detail, names=names, users=users,
        record=record, states_json=states, variables=variables,
        actions=allowed_actions(instance.status) if svc.may_control(instance, me()) else [],
        current=[names.get(e, e) for e in detail["current_elements"]])


@pages.post("/processes/instances/<int:instance_id>/<any(retry,suspend,resume,terminate):action>")
def instance_action(instance_id: int, action: str):
    ACTIONS[action](instance_id, actor=me())
    flash(DONE[action], "success")
    return redirect(url_for("pages.instance_view", instance_id=instance_id))


@pages.post("/<records:plural>/<int:record_id>/processes/start")
def record_start_process(plural: str, record_id: int):
    """The record page's "Start process" menu: start the chosen process on this record."""
    spec = BY_PLURAL.get(plural) or abort(404)
    key = request.form.get("key", "")
    if start_form_for(key, actor=me()) is not None:  # the person fills in the start form first
        return redirect(url_for("pages.record_start_form", plural=plural, record_id=record_id, key=key))
    try:
        instance = start_manually(key, spec.name, record_id, None, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        flash("; ".join(exc.fields.values()) or exc.message, "danger")
    else:
        flash(f"“{instance.version.name}” started (instance #{instance.id}).", "success")
    return redirect(url_for("pages.record_view", plural=plural, record_id=record_id) + "#processes")


@pages.get("/<records:plural>/<int:record_id>/processes/start/<key>")
def record_start_form(plural: str, record_id: int, key: str):
    """A start event's Camunda Form (the form-js viewer, as in the inbox) for starting on this record."""
    spec = BY_PLURAL.get(plural) or abort(404)
    require_readable(spec.name, record_id, me())
    form = start_form_for(key, actor=me()) or abort(404)
    title = titles_by_id(spec.name, [record_id], me()).get(record_id) or f"#{record_id}"
    return render_template("processes/start_form.html", key=key, form=form,
                           back_url=record_url(spec.name, record_id), back_label=f"{spec.label} {title}",
                           submit_url=url_for("pages.record_start_form_submit", plural=plural,
                                              record_id=record_id, key=key))


@pages.post("/<records:plural>/<int:record_id>/processes/start/<key>")
def record_start_form_submit(plural: str, record_id: int, key: str):
    """The start form's submit (JSON {data}): checked on the server (422 naming the field), then started."""
    spec = BY_PLURAL.get(plural) or abort(404)
    body = request.get_json(silent=True)
    data = body.get("data") if isinstance(body, dict) else None
    try:
        instance = start_with_form(key, spec.name, record_id, data if data is not None else {}, actor=me())
    except (ValidationError, Forbidden) as exc:
        return _refused(exc)
    flash(f"“{instance.version.name}” started (instance #{instance.id}).", "success")
    return jsonify({"redirect": record_url(spec.name, record_id) + "#processes"})


def _refused(exc: ValidationError | Forbidden):
    db.session.rollback()
    return jsonify({"error": exc.message, "fields": getattr(exc, "fields", None) or {}}), exc.status


@pages.get("/processes/<key>/start")
def process_start_form(key: str):
    """The process page's "Start": its start event's Camunda Form, for an instance without a record."""
    form = start_form_for(key, actor=me()) or abort(404)
    return render_template("processes/start_form.html", key=key, form=form,
                           back_url=url_for("pages.process_view", key=key), back_label="Processes",
                           submit_url=url_for("pages.process_start_form_submit", key=key))


@pages.post("/processes/<key>/start")
def process_start_form_submit(key: str):
    """The start form's submit (JSON {data}) from the process page: checked, started, its instance shown."""
    body = request.get_json(silent=True)
    data = body.get("data") if isinstance(body, dict) else None
    try:
        instance = start_without_record(key, data, actor=me())
    except (ValidationError, Forbidden) as exc:
        return _refused(exc)
    flash(f"“{instance.version.name}” started (instance #{instance.id}).", "success")
    return jsonify({"redirect": url_for("pages.instance_view", instance_id=instance.id)})
