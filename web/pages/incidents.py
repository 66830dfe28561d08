"""Operations for administrators: open incidents across processes; retry (after editing the
variables), modify the instance (cancel / start before / start after an element), resolve."""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for

from engine import incidents as svc
from engine import instances as instances_svc
from engine.modification import TYPES, modify_instance
from engine.record_processes import element_names
from errors import ServiceError, ValidationError
from extensions import db
from org.models import valid_id
from web.pages import pages
from web.pages.common import me

PAGE_SIZE = 25
TYPE_LABELS = {"cancel": "Cancel", "startBeforeActivity": "Start before", "startAfterActivity": "Start after"}


@pages.get("/operations/incidents")
def incident_list():
    key, element = request.args.get("key") or None, request.args.get("element_id") or None
    before = request.args.get("before")
    rows = svc.list_incidents(actor=me(), key=key, element_id=element, limit=PAGE_SIZE,
                              before=int(before) if before and valid_id(before) else None)
    return render_template("processes/incidents.html", rows=rows, key=key or "", element=element or "",
                           next_before=rows[-1].id if len(rows) == PAGE_SIZE else None)


@pages.get("/operations/incidents/<int:incident_id>")
def incident_view(incident_id: int, errors: dict | None = None, status: int = 200):
    incident = svc.get_incident(incident_id, actor=me())
    instance = incident.instance
    detail = instances_svc.instance_detail(instance, actor=me())
    names = element_names(instance.version.bpmn)
    variables = json.dumps(detail["variables"], indent=1, ensure_ascii=False, sort_keys=True)
    return render_template(
        "processes/incident.html", incident=incident, instance=instance, names=names,
        current=detail["current_elements"], variables=request.form.get("variables", variables),
        types=TYPE_LABELS, errors=errors or {}), status


def _variables_from_form() -> dict:
    raw = (request.form.get("variables") or "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValidationError.from_fields({"variables": "Not valid JSON"}) from None
    return svc.check_variables(value)


def _refused(incident_id: int, exc: ServiceError):
    db.session.rollback()
    return incident_view(incident_id, exc.fields or {"form": exc.message}, exc.status)


@pages.post("/operations/incidents/<int:incident_id>/retry")
def incident_retry(incident_id: int):
    try:
        incident = svc.retry_incident(incident_id, _variables_from_form(), actor=me())
    except (ValidationError, ServiceError) as exc:
        return _refused(incident_id, exc)
    flash(f"Instance #{incident.instance_id} runs again from {incident.element_name or 'the failed step'}.",
          "success")
    return redirect(url_for("pages.incident_list"))


@pages.post("/operations/incidents/<int:incident_id>/resolve")
def incident_resolve(incident_id: int):
    svc.resolve_incident(incident_id, request.form.get("note"), actor=me())
    flash("The incident is resolved.", "success")
    return redirect(url_for("pages.incident_list"))


@pages.post("/operations/incidents/<int:incident_id>/modify")
def incident_modify(incident_id: int):
    incident = svc.get_incident(incident_id, actor=me())
    instructions = [{"type": t, "activityId": e} for t, e in zip(
        request.form.getlist("type"), request.form.getlist("element"), strict=False) if t in TYPES and e]
    try:
        modify_instance(incident.instance_id, instructions, _variables_from_form(), actor=me())
    except ServiceError as exc:
        return _refused(incident_id, exc)
    flash(f"Instance #{incident.instance_id} was modified.", "success")
    return redirect(url_for("pages.instance_view", instance_id=incident.instance_id))
