"""/engine-rest/external-task: fetch and lock (long polling), list, complete, failure, BPMN error, locks."""
from __future__ import annotations

import time

from flask import current_app, g, jsonify, request

from engine import external_tasks as ext
from engine.models import ExternalTask, ProcessInstance
from engine.states import InstanceStatus
from errors import ValidationError
from extensions import db
from web.engine_rest import body, camunda_time, engine_rest, int_field, numeric_id, text_field
from web.engine_rest.variables import to_plain, to_typed

_EMPTY = ("", 204)


def _topics(data: dict) -> list[ext.TopicRequest]:
    """The fetch's topics; 400 naming the bad one (`topics[1].lockDuration`)."""
    topics = data.get("topics")
    if not isinstance(topics, list) or not topics or len(topics) > 100:
        raise ValidationError.from_fields({"topics": "Expected a list of 1 to 100 topics"})
    found = []
    for i, item in enumerate(topics):
        where = f"topics[{i}]"
        if not isinstance(item, dict):
            raise ValidationError.from_fields({where: "Expected an object with topicName and lockDuration"})
        name = text_field(item, "topicName") if isinstance(item.get("topicName"), str) else None
        if name is None:
            raise ValidationError.from_fields({f"{where}.topicName": "Expected the topic's name"})
        lock = item.get("lockDuration")
        if not isinstance(lock, int) or isinstance(lock, bool) or not 1 <= lock <= 86_400_000:
            raise ValidationError.from_fields({f"{where}.lockDuration": "Milliseconds from 1 to 86400000"})
        names = item.get("variables")
        if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise ValidationError.from_fields({f"{where}.variables": "Expected a list of variable names"})
        found.append(ext.TopicRequest(name, lock, tuple(names) if names is not None else None))
    return found


def task_dict(row: ExternalTask, instance: ProcessInstance | None = None,
              variables: dict | None = None) -> dict:
    """A task in Camunda's LockedExternalTaskDto / ExternalTaskDto shape."""
    instance = instance or db.session.get(ProcessInstance, row.instance_id)
    version = instance.version
    out = {
        "id": str(row.id), "activityId": row.element_id,
        "activityInstanceId": f"{row.element_id}:{row.task_uuid}",
        "executionId": row.task_uuid, "processInstanceId": str(instance.id),
        "processDefinitionId": f"{version.definition.key}:{version.number}:{version.id}",
        "processDefinitionKey": version.definition.key, "processDefinitionVersionTag": version.version_tag,
        "topicName": row.topic, "workerId": row.worker_id, "retries": row.retries,
        "errorMessage": row.error_message, "errorDetails": row.error_details, "priority": row.priority,
        "lockExpirationTime": camunda_time(ext.lock_time(row)), "businessKey": instance.business_key,
        "tenantId": None, "suspended": instance.status == InstanceStatus.SUSPENDED,
        "createTime": camunda_time(row.created_at),
        "extensionProperties": {},
    }
    if variables is not None:
        out["variables"] = to_typed(variables)
    return out


@engine_rest.post("/external-task/fetchAndLock")
def fetch_and_lock():
    data = body()
    worker, topics = text_field(data, "workerId"), _topics(data)
    max_tasks = int_field(data, "maxTasks", 10, low=1, high=100)
    wait_ms = int_field(data, "asyncResponseTimeout", 0, high=3_600_000)
    # Long polling by short polling: capped so that a worker never holds a server thread for long.
    cap = float(current_app.config.get("ENGINE_REST_MAX_POLL_SECONDS", 20))
    deadline = time.monotonic() + min(wait_ms / 1000, cap)
    pause = 0.02
    while True:
        taken = ext.fetch_and_lock(worker, topics, max_tasks, actor=g.actor)
        remaining = deadline - time.monotonic()
        if taken or remaining <= 0:
            break
        db.session.rollback()  # end the read: the next try sees tasks committed meanwhile
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.2)
    return jsonify([task_dict(row, variables=values) for row, values in taken])


@engine_rest.get("/external-task")
def list_external_tasks():
    locked = {"true": True, "false": False}.get((request.args.get("locked") or "").lower())
    instance = request.args.get("processInstanceId")
    raw = request.args.get("maxResults", "")
    rows = ext.list_external_tasks(
        actor=g.actor, topic=request.args.get("topicName") or None, worker_id=request.args.get("workerId"),
        instance_id=numeric_id(instance, "Process instance") if instance else None, locked=locked,
        limit=min(int(raw), 1000) if raw.isdigit() and int(raw) > 0 else 100)
    return jsonify([task_dict(row) for row in rows])


@engine_rest.get("/external-task/count")
def count_external_tasks():
    return jsonify({"count": len(ext.list_external_tasks(actor=g.actor, limit=10_000))})


@engine_rest.get("/external-task/<task_id>")
def get_external_task(task_id: str):
    return jsonify(task_dict(ext.get_external_task(numeric_id(task_id, "External task"), actor=g.actor)))


@engine_rest.post("/external-task/<task_id>/complete")
def complete_external_task(task_id: str):
    data = body()
    ext.complete_external_task(numeric_id(task_id, "External task"), text_field(data, "workerId"),
                               to_plain(data.get("variables")), to_plain(data.get("localVariables"),
                                                                        "localVariables"), actor=g.actor)
    return _EMPTY


@engine_rest.post("/external-task/<task_id>/failure")
def external_task_failure(task_id: str):
    data = body()
    message = data.get("errorMessage") or "The worker reported a failure"
    if not isinstance(message, str):
        raise ValidationError.from_fields({"errorMessage": "Expected a string"})
    details = data.get("errorDetails")
    if details is not None and not isinstance(details, str):
        raise ValidationError.from_fields({"errorDetails": "Expected a string"})
    ext.handle_failure(numeric_id(task_id, "External task"), text_field(data, "workerId"), message, details,
                       int_field(data, "retries", 0, high=1_000_000),
                       ext.check_duration(data.get("retryTimeout", 0), "retryTimeout"), actor=g.actor)
    return _EMPTY


@engine_rest.post("/external-task/<task_id>/bpmnError")
def external_task_bpmn_error(task_id: str):
    data = body()
    message = data.get("errorMessage")
    if message is not None and not isinstance(message, str):
        raise ValidationError.from_fields({"errorMessage": "Expected a string"})
    ext.handle_bpmn_error(numeric_id(task_id, "External task"), text_field(data, "workerId"),
                          text_field(data, "errorCode"), message, to_plain(data.get("variables")),
                          actor=g.actor)
    return _EMPTY


@engine_rest.post("/external-task/<task_id>/extendLock")
def extend_external_task_lock(task_id: str):
    data = body()
    ext.extend_lock(numeric_id(task_id, "External task"), text_field(data, "workerId"),
                    ext.check_duration(data.get("newDuration"), "newDuration"), actor=g.actor)
    return _EMPTY


@engine_rest.post("/external-task/<task_id>/unlock")
def unlock_external_task(task_id: str):
    ext.unlock(numeric_id(task_id, "External task"), actor=g.actor)
    return _EMPTY


@engine_rest.put("/external-task/<task_id>/retries")
def set_external_task_retries(task_id: str):
    """Retries above 0 on a task whose failure opened an incident resolve it: fetchable again."""
    retries = int_field(body(), "retries", None, high=1_000_000)
    ext.set_retries([numeric_id(task_id, "External task")], retries, actor=g.actor)
    return _EMPTY


@engine_rest.put("/external-task/retries")
def set_external_tasks_retries():
    """The same for a list of ids (`externalTaskIds`), all or none."""
    data = body()
    retries = int_field(data, "retries", None, high=1_000_000)
    ids = data.get("externalTaskIds")
    if not isinstance(ids, list) or not 0 < len(ids) <= 1000 or any(isinstance(i, bool | float) for i in ids):
        raise ValidationError.from_fields({"externalTaskIds": "Expected a list of 1 to 1000 task ids"})
    ext.set_retries([numeric_id(str(i), "External task") for i in ids], retries, actor=g.actor)
    return _EMPTY
