"""/engine-rest/incident: open incidents as Camunda's IncidentDto (administrators, as /api/v1/incidents)."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from engine.external_tasks import INCIDENT_KIND
from engine.incidents import count_incidents, list_incidents
from engine.models import ExternalTask, Incident
from extensions import db
from web.engine_rest import camunda_time, engine_rest
from web.engine_rest.deployment import definition_id
from web.engine_rest.query import arg_id, arg_version_id, paging


def _external_tasks(rows: list[Incident]) -> dict[tuple[int, str], ExternalTask]:
    """The open external task behind each failedExternalTask incident (Camunda's `configuration`)."""
    ids = {i.instance_id for i in rows if i.kind == INCIDENT_KIND}
    if not ids:
        return {}
    tasks = db.session.scalars(select(ExternalTask).where(
        ExternalTask.instance_id.in_(ids), ExternalTask.closed_at.is_(None)))
    return {(t.instance_id, t.element_id): t for t in tasks}


def incident_dict(row: Incident, tasks: dict) -> dict:
    """An incident in Camunda's IncidentDto shape."""
    instance = row.instance
    task = tasks.get((row.instance_id, row.element_id))
    return {"id": str(row.id), "processDefinitionId": definition_id(instance.version),
            "processInstanceId": str(row.instance_id), "executionId": task.task_uuid if task else None,
            "incidentTimestamp": camunda_time(row.created_at), "incidentType": row.kind,
            "activityId": row.element_id, "failedActivityId": row.element_id,
            "causeIncidentId": str(row.id), "rootCauseIncidentId": str(row.id),
            "configuration": str(task.id) if task else None, "tenantId": None,
            "incidentMessage": row.message, "jobDefinitionId": None, "annotation": None}


def _filters() -> dict:
    """list_incidents' filters from the request's parameters (Camunda lists open ones)."""
    args = request.args
    version_id = arg_version_id()
    return {"instance_id": arg_id("processInstanceId"), "version_id": version_id,
            "kind": args.get("incidentType") or None, "element_id": args.get("activityId") or None,
            "key": args.get("processDefinitionKey") or None, "incident_id": arg_id("incidentId")}


@engine_rest.get("/incident")
def list_incident():
    first, limit = paging()
    rows = list_incidents(actor=g.actor, limit=first + limit, **_filters())[first:]
    tasks = _external_tasks(rows)
    return jsonify([incident_dict(r, tasks) for r in rows])


@engine_rest.get("/incident/count")
def count_incident():
    return jsonify({"count": count_incidents(actor=g.actor, **_filters())})
