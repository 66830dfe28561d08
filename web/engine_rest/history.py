"""/engine-rest/history/process-instance: instances past and present as Camunda's
HistoricProcessInstanceDto, over engine.instance_queries (the instances the caller sees in lists)."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.instance_queries import (
    SORTS,
    HistoryFilter,
    camunda_state,
    count_historic_instances,
    historic_instances,
    terminated_internally,
)
from engine.instances import get_instance
from engine.models import ProcessInstance
from engine.states import InstanceStatus
from errors import ValidationError
from web.engine_rest import camunda_time, engine_rest, numeric_id
from web.engine_rest.deployment import definition_id
from web.engine_rest.query import arg_bool, arg_id, arg_time, arg_version_id, paging, sorting


def historic_dict(instance: ProcessInstance, internal: set[int]) -> dict:
    """An instance in Camunda's HistoricProcessInstanceDto shape."""
    version = instance.version
    ended = instance.completed_at
    return {
        "id": str(instance.id), "businessKey": instance.business_key,
        "processDefinitionId": definition_id(version), "processDefinitionKey": version.definition.key,
        "processDefinitionName": version.name, "processDefinitionVersion": version.number,
        "startTime": camunda_time(instance.created_at), "endTime": camunda_time(ended),
        "removalTime": None,
        "durationInMillis": None if ended is None else max(0, int((ended - instance.created_at)
                                                                   .total_seconds() * 1000)),
        "startUserId": str(instance.started_by_id) if instance.started_by_id else None,
        "startActivityId": None, "deleteReason": None,
        "rootProcessInstanceId": str(instance.id),
        "superProcessInstanceId": str(instance.parent_instance_id) if instance.parent_instance_id else None,
        "superCaseInstanceId": None, "caseInstanceId": None, "tenantId": None,
        "state": camunda_state(instance, internal),
    }


def _filter() -> HistoryFilter:
    args = request.args
    finished, unfinished = arg_bool("finished"), arg_bool("unfinished")
    if finished and unfinished:
        raise ValidationError.from_fields({"unfinished": "finished and unfinished exclude each other"})
    version_id = arg_version_id()
    return HistoryFilter(
        key=args.get("processDefinitionKey") or None, instance_id=arg_id("processInstanceId"),
        version_id=version_id, business_key=args.get("processInstanceBusinessKey") or None,
        finished=True if finished else False if unfinished else None,
        started_after=arg_time("startedAfter"), started_before=arg_time("startedBefore"))


def _internal(rows: list[ProcessInstance]) -> set[int]:
    return terminated_internally([r.id for r in rows if r.status == InstanceStatus.TERMINATED])


@engine_rest.get("/history/process-instance")
def list_historic_instances():
    where = _filter()
    by, descending = sorting(SORTS)
    first, limit = paging()
    rows = historic_instances(where, actor=g.actor, sort_by=by, descending=descending, first=first,
                              limit=limit)
    internal = _internal(rows)
    return jsonify([historic_dict(r, internal) for r in rows])


@engine_rest.get("/history/process-instance/count")
def count_historic():
    return jsonify({"count": count_historic_instances(_filter(), actor=g.actor)})


@engine_rest.get("/history/process-instance/<instance_id>")
def get_historic_instance(instance_id: str):
    instance = get_instance(numeric_id(instance_id, "Historic process instance"), actor=g.actor)
    return jsonify(historic_dict(instance, _internal([instance])))
