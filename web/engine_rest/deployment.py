"""/engine-rest/deployment (Camunda Modeler's Deploy button) and /engine-rest/version.

A deployment is not a row of its own: each .bpmn part goes through engine.deploy.deploy_process
and the deployment's id is that of the first process version it produced (or kept, when
unchanged). .form parts (Camunda Forms) and .dmn parts (decisions, engine.decisions) are stored
first, so the diagrams may refer to them; forms remember the deployment.
"""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from engine import camunda_forms, decisions, deploy
from engine.deploy import PayloadTooLarge
from engine.models import ProcessVersion
from errors import NotFound, ValidationError
from extensions import db
from web.engine_rest import camunda_time, engine_rest, numeric_id

CAMUNDA_VERSION = "7.20.0"
_STORED_FIRST = (".form", ".dmn")


def definition_id(version: ProcessVersion) -> str:
    """Camunda's `key:version:id` process definition id."""
    return f"{version.definition.key}:{version.number}:{version.id}"


def definition_dict(version: ProcessVersion) -> dict:
    """A version in Camunda's ProcessDefinitionDto shape."""
    definition = version.definition
    return {
        "id": definition_id(version), "key": definition.key, "category": "http://bpmn.io/schema/bpmn",
        "description": None, "name": version.name, "version": version.number,
        "resource": f"{definition.key}.bpmn", "deploymentId": str(version.id), "diagram": None,
        "suspended": not definition.active, "tenantId": None, "versionTag": version.version_tag,
        "historyTimeToLive": None, "startableInTasklist": True,
    }


def _deployment_dict(version: ProcessVersion, name: str | None = None, source: str | None = None) -> dict:
    return {"id": str(version.id), "name": name or f"{version.definition.key} v{version.number}",
            "source": source, "deploymentTime": camunda_time(version.created_at), "tenantId": None,
            "links": []}


def _parts() -> list[tuple[str, bytes]]:
    """(file name, content) of every file part; 400 when there is none, 413 above the size limit."""
    limit = current_app.config.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    parts = []
    for field, upload in request.files.items(multi=True):
        name = upload.filename or field
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"{name} is larger than the limit of {limit} bytes",
                                  {name: f"At most {limit} bytes"})
        parts.append((name, data))
    if not parts:
        raise ValidationError.from_fields({"data": "Send the diagram files as multipart file parts"})
    return parts


@engine_rest.post("/deployment/create")
def create_deployment():
    name, source = request.form.get("deployment-name"), request.form.get("deployment-source")
    parts = _parts()
    form_parts = [(n, d) for n, d in parts if n.lower().endswith(".form")]
    forms = camunda_forms.deploy_forms(form_parts, actor=g.actor) if form_parts else []
    tables = [row for n, d in parts if n.lower().endswith(".dmn")
              for row in decisions.deploy_decisions(d, actor=g.actor)]
    deployed = []
    for filename, data in parts:
        lower = filename.lower()
        if lower.endswith((".bpmn", ".bpmn20.xml", ".xml")):
            deployed.append(deploy.deploy_process(data, actor=g.actor))  # unchanged: the same version
        elif not lower.endswith(_STORED_FIRST):
            raise ValidationError.from_fields({filename: "Only .bpmn, .dmn and .form resources are accepted"})
    if not deployed:
        if forms or tables:
            return jsonify(_resources_only(forms, tables, name, source))
        raise ValidationError.from_fields({"data": "The deployment holds no .bpmn file"})
    camunda_forms.mark_deployment(forms, deployed[0].id)
    versions = [v for d in deployed for v in (d, *getattr(d, "deployed_with", []))]
    out = _deployment_dict(deployed[0], name, source)
    out.update({"deployedProcessDefinitions": {definition_id(v): definition_dict(v) for v in versions},
                "deployedCaseDefinitions": None,
                "deployedDecisionDefinitions": _decisions_dict(tables, str(deployed[0].id)),
                "deployedDecisionRequirementsDefinitions": None})
    return jsonify(out)


def _decisions_dict(tables: list, deployment_id: str) -> dict | None:
    """Camunda's deployedDecisionDefinitions: {id: definition} of the decisions stored (None: none)."""
    if not tables:
        return None
    return {f"{t.key}:{t.version}:{t.id}": {
        "id": f"{t.key}:{t.version}:{t.id}", "key": t.key, "category": None, "name": t.name,
        "version": t.version, "resource": f"{t.key}.dmn", "deploymentId": deployment_id,
        "decisionRequirementsDefinitionId": None, "decisionRequirementsDefinitionKey": None,
        "historyTimeToLive": None, "versionTag": t.version_tag, "tenantId": None} for t in tables}


def _resources_only(forms: list, tables: list, name: str | None, source: str | None) -> dict:
    """A deployment of .form and/or .dmn files alone (the Modeler deploys each by itself too)."""
    first = forms[0] if forms else tables[0]
    dep_id = f"form-{first.id}" if forms else f"decision-{first.id}"
    label = ", ".join(f"{r.key} v{r.version}" for r in (*forms, *tables))
    return {"id": dep_id, "name": name or label, "source": source,
            "deploymentTime": camunda_time(first.created_at), "tenantId": None, "links": [],
            "deployedProcessDefinitions": None, "deployedCaseDefinitions": None,
            "deployedDecisionDefinitions": _decisions_dict(tables, dep_id),
            "deployedDecisionRequirementsDefinitions": None}


@engine_rest.get("/deployment")
def list_deployments():
    from sqlalchemy import select

    deploy.require_designer(g.actor)
    rows = db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.id.desc()).limit(
        min(int(request.args["maxResults"]), 1000) if request.args.get("maxResults", "").isdigit() else 200))
    return jsonify([_deployment_dict(v) for v in rows])


@engine_rest.get("/deployment/<deployment_id>")
def get_deployment(deployment_id: str):
    deploy.require_designer(g.actor)
    version = db.session.get(ProcessVersion, numeric_id(deployment_id, "Deployment"))
    if version is None:
        raise NotFound(f"Deployment with id '{deployment_id}' does not exist")
    return jsonify(_deployment_dict(version))


@engine_rest.get("/version")
def engine_version():
    return jsonify({"version": CAMUNDA_VERSION})
