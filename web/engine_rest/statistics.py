"""/engine-rest/process-definition/statistics and /process-definition/{id}/statistics: Camunda's
ProcessDefinitionStatisticsResultDto and ActivityStatisticsResultDto over engine.instance_queries."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, jsonify, request

from engine.instance_queries import FAILED_JOB, activity_statistics, version_statistics
from errors import NotFound, ValidationError
from web.engine_rest import engine_rest
from web.engine_rest.deployment import definition_dict, definition_id
from web.engine_rest.query import arg_bool, version_by_id


@dataclass(frozen=True)
class _Asked:
    failed_jobs: bool
    incidents: bool
    only: str | None


def _asked() -> _Asked:
    """What the request wants counted; incidents, rootIncidents and incidentsForType exclude each
    other, as in Camunda (every Flowdesk incident is its own root incident)."""
    only = request.args.get("incidentsForType") or None
    asked = [name for name, on in (("incidents", arg_bool("incidents")),
                                   ("rootIncidents", arg_bool("rootIncidents")),
                                   ("incidentsForType", only is not None)) if on]
    if len(asked) > 1:
        raise ValidationError.from_fields({asked[-1]: f"Cannot be combined with {asked[0]}"})
    return _Asked(bool(arg_bool("failedJobs")), bool(asked), only)


def _counts(row: dict, asked: _Asked) -> dict:
    """failedJobs and incidents as asked (Camunda answers 0 and [] for what was not asked)."""
    incidents = row["incidents"]
    listed = [{"incidentType": kind, "incidentCount": n} for kind, n in sorted(incidents.items())
              if asked.only is None or kind == asked.only] if asked.incidents else []
    failed = incidents.get(FAILED_JOB, 0) if asked.failed_jobs else 0
    return {"instances": row["instances"], "failedJobs": failed, "incidents": listed}


@engine_rest.get("/process-definition/statistics")
def definition_statistics():
    asked = _asked()
    return jsonify([{"id": definition_id(row["version"]), **_counts(row, asked),
                     "definition": definition_dict(row["version"])}
                    for row in version_statistics(actor=g.actor)])


@engine_rest.get("/process-definition/<definition_id>/statistics")
def activity_statistics_of(definition_id: str):
    asked = _asked()
    version = version_by_id(definition_id)
    if version is None:
        raise NotFound(f"No matching definition with id {definition_id}")
    return jsonify([{"id": row["element_id"], **_counts(row, asked)}
                    for row in activity_statistics(version, actor=g.actor)])
