"""/engine-rest/process-definition, /process-instance, /message and /signal over Flowdesk's services."""
from __future__ import annotations

from flask import g, jsonify, request

from engine import deploy
from engine.instances import (
    get_instance,
    instance_detail,
    list_instances,
    set_suspended,
    suspend_by_key,
    terminate_instance,
)
from engine.messages import correlate_message
from engine.models import ProcessInstance
from engine.signals import send_signal
from engine.states import FINISHED_STATUSES, InstanceStatus
from engine.triggers import start_by_key
from errors import NotFound, ValidationError
from web.engine_rest import body, engine_rest, numeric_id
from web.engine_rest.deployment import definition_dict, definition_id
from web.engine_rest.variables import to_plain, to_typed

_FINISHED = set(FINISHED_STATUSES)


def _versions(key: str | None, latest_only: bool) -> list:
    items = deploy.list_processes()
    found = []
    for item in items:
        if key and item["key"] != key:
            continue
        definition = deploy.get_definition(item["key"])
        versions = definition.versions
        found += versions[-1:] if latest_only else versions
    return found


@engine_rest.get("/process-definition")
def list_definitions():
    latest = request.args.get("latestVersion", "false").lower() == "true"
    return jsonify([definition_dict(v) for v in _versions(request.args.get("key") or None, latest)])


def _latest(key: str):
    definition = deploy.get_definition(key)
    version = deploy.latest_version(definition)
    if version is None:
        raise NotFound(f"No matching process definition with key: {key}")
    return version


@engine_rest.get("/process-definition/key/<key>")
def get_definition_by_key(key: str):
    return jsonify(definition_dict(_latest(key)))


@engine_rest.get("/process-definition/key/<key>/xml")
def definition_xml(key: str):
    version = _latest(key)
    return jsonify({"id": definition_id(version), "bpmn20Xml": version.bpmn.decode("utf-8", "replace")})


def _by_id(definition_id: str) -> tuple[str, int]:
    """(key, version number) of a `key:version:n` process definition id; 404 otherwise."""
    key, _, rest = definition_id.partition(":")
    number = rest.partition(":")[0]
    if not key or not number.isdigit() or len(number) > 9:
        raise NotFound(f"No matching definition with id {definition_id}")
    return key, int(number)


@engine_rest.get("/process-definition/<definition_id>")
def get_definition_by_id(definition_id: str):
    return jsonify(definition_dict(deploy.get_version(*_by_id(definition_id))))


def instance_dict(instance: ProcessInstance) -> dict:
    """An instance in Camunda's ProcessInstanceDto shape."""
    return {"id": str(instance.id), "definitionId": definition_id(instance.version),
            "businessKey": instance.business_key, "caseInstanceId": None, "tenantId": None,
            "ended": instance.status in _FINISHED, "suspended": instance.status == InstanceStatus.SUSPENDED,
            "links": []}


@engine_rest.post("/process-definition/key/<key>/start")
def start_by_definition_key(key: str):
    data = body()
    instance = start_by_key(key, to_plain(data.get("variables")), actor=g.actor,
                            business_key=data.get("businessKey"))
    out = instance_dict(instance)
    if data.get("withVariablesInReturn"):
        out["variables"] = to_typed(instance_detail(instance, actor=g.actor)["variables"])
    return jsonify(out)


@engine_rest.post("/process-definition/<definition_id>/start")
def start_by_definition_id(definition_id: str):
    """Camunda Modeler's "Start process instance" names the definition by id."""
    key, number = _by_id(definition_id)
    data = body()
    instance = start_by_key(key, to_plain(data.get("variables")), actor=g.actor,
                            business_key=data.get("businessKey"), number=number)
    return jsonify(instance_dict(instance))


@engine_rest.get("/process-instance")
def list_process_instances():
    raw = request.args.get("maxResults", "")
    rows = list_instances(actor=g.actor, key=request.args.get("processDefinitionKey") or None,
                          limit=min(int(raw), 500) if raw.isdigit() and int(raw) > 0 else 100)
    wanted = request.args.get("businessKey")
    return jsonify([instance_dict(i) for i in rows
                    if i.status not in _FINISHED and (not wanted or i.business_key == wanted)])


@engine_rest.get("/process-instance/<instance_id>")
def get_process_instance(instance_id: str):
    return jsonify(instance_dict(get_instance(numeric_id(instance_id, "Process instance"), actor=g.actor)))


@engine_rest.get("/process-instance/<instance_id>/variables")
def process_instance_variables(instance_id: str):
    instance = get_instance(numeric_id(instance_id, "Process instance"), actor=g.actor)
    return jsonify(to_typed(instance_detail(instance, actor=g.actor)["variables"]))


@engine_rest.delete("/process-instance/<instance_id>")
def delete_process_instance(instance_id: str):
    terminate_instance(numeric_id(instance_id, "Process instance"), actor=g.actor)
    return "", 204


def _suspended_field(data: dict) -> bool:
    value = data.get("suspended")
    if not isinstance(value, bool):
        raise ValidationError.from_fields({"suspended": "Expected true or false"})
    return value


@engine_rest.put("/process-instance/<instance_id>/suspended")
def suspend_process_instance(instance_id: str):
    """Camunda's suspend/activate: {"suspended": true|false}; asking twice changes nothing."""
    suspended = _suspended_field(body())
    set_suspended(numeric_id(instance_id, "Process instance"), suspended, actor=g.actor)
    return "", 204


@engine_rest.put("/process-instance/suspended")
def suspend_process_instances():
    """All unfinished instances of a process (by processDefinitionKey or processDefinitionId)."""
    data = body()
    suspended = _suspended_field(data)
    key = data.get("processDefinitionKey")
    if key is None and isinstance(data.get("processDefinitionId"), str):
        key = _by_id(data["processDefinitionId"])[0]
    if not isinstance(key, str) or not key:
        raise ValidationError.from_fields({"processDefinitionKey": "Give processDefinitionKey or "
                                           "processDefinitionId"})
    suspend_by_key(key, suspended, actor=g.actor)
    return "", 204


@engine_rest.post("/message")
def correlate():
    data = body()
    correlate_message(data.get("messageName"), business_key=data.get("businessKey"),
                      variables=to_plain(data.get("processVariables"), "processVariables"),
                      all_instances=bool(data.get("all")), actor=g.actor)
    return "", 204


@engine_rest.post("/signal")
def signal():
    data = body()
    send_signal(data.get("name"), to_plain(data.get("variables")), actor=g.actor)
    return "", 204
