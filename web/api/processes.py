"""BPMN processes: upload, list, versions, activate, triggers, manual start."""
from __future__ import annotations

from flask import Response, current_app, g, jsonify, request

from engine import deploy
from engine.instances import instance_to_dict
from engine.triggers import start_manually
from errors import ValidationError
from web.api import api, json_body


@api.post("/processes")
def upload_process():  # noqa: ANN201
    limit = current_app.config.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise deploy.PayloadTooLarge(f"The file is larger than the limit of {limit} bytes",
                                     {"file": f"At most {limit} bytes"})
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError.from_fields({"file": "Upload the BPMN file as multipart field 'file'"})
    data = upload.stream.read(limit + 1)
    version = deploy.deploy_process(data, actor=g.actor)
    return jsonify(deploy.version_to_dict(version)), 201


@api.get("/processes")
def list_processes():  # noqa: ANN201
    return jsonify({"items": deploy.list_processes()})


@api.get("/processes/<key>")
def get_process(key: str):  # noqa: ANN201
    return jsonify(deploy.definition_to_dict(deploy.get_definition(key)))


@api.get("/processes/<key>/versions/<int:number>/bpmn")
def process_bpmn(key: str, number: int):  # noqa: ANN201
    version = deploy.get_version(key, number)
    return Response(version.bpmn, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})


@api.post("/processes/<key>/activate")
def activate_process(key: str):  # noqa: ANN201
    return jsonify(deploy.definition_to_dict(deploy.set_active(key, True, actor=g.actor)))


@api.post("/processes/<key>/deactivate")
def deactivate_process(key: str):  # noqa: ANN201
    return jsonify(deploy.definition_to_dict(deploy.set_active(key, False, actor=g.actor)))


@api.put("/processes/<key>/triggers")
def put_triggers(key: str):  # noqa: ANN201
    body = json_body()
    version = deploy.update_triggers(key, body.get("triggers"), actor=g.actor)
    return jsonify(deploy.version_to_dict(version))


@api.post("/processes/<key>/start")
def start_process(key: str):  # noqa: ANN201
    body = json_body()
    instance = start_manually(key, body.get("entity"), body.get("id"), body.get("variables"),
                              actor=g.actor)
    return jsonify(instance_to_dict(instance)), 201
