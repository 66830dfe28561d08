"""/engine-rest start forms: a process definition's start event Camunda Form (FormDto, form-js JSON),
and submit-form (the form's variables checked as a start by hand checks them)."""
from __future__ import annotations

from flask import g, jsonify

from engine import deploy
from engine.camunda_forms import camunda_form_fields, element_forms, start_form
from engine.form_schema import clean_submission
from engine.starters import require_starter
from engine.triggers import start_by_key
from errors import NotFound, ValidationError
from web.engine_rest import body, engine_rest
from web.engine_rest.process import instance_dict
from web.engine_rest.variables import to_plain


def _latest(key: str):
    version = deploy.latest_version(deploy.get_definition(key))
    if version is None:
        raise NotFound(f"No matching process definition with key: {key}")
    return version


@engine_rest.get("/process-definition/key/<key>/startForm")
def start_form_key(key: str):
    """Camunda's FormDto of the start event: formKey (or camundaFormRef) and contextPath."""
    version = _latest(key)
    start = next((e for e, f in element_forms(version).items() if f["start"]), None)
    form_key, ref = camunda_form_fields(version, start) if start else (None, None)
    return jsonify({"key": form_key, "contextPath": None, "camundaFormRef": ref})


@engine_rest.get("/process-definition/key/<key>/deployed-start-form")
def deployed_start_form(key: str):
    """The start event's Camunda Form as form-js JSON (404 without one), as Camunda answers."""
    form = start_form(_latest(key))
    if form is None:
        raise NotFound(f"Process definition {key!r} has no Camunda Form on its start event")
    return jsonify(form.schema)


@engine_rest.post("/process-definition/key/<key>/submit-form")
def submit_start_form(key: str):
    """Start with the start form's variables, checked on the server (400 naming the field)."""
    version = _latest(key)
    require_starter(version, g.actor)
    data = to_plain(body().get("variables"))
    form = start_form(version)
    if form is not None:
        result = clean_submission(form.schema, data or {})
        if result.errors:
            raise ValidationError.from_fields(result.errors)
        data = result.values
    instance = start_by_key(key, data, actor=g.actor, business_key=body().get("businessKey"))
    return jsonify(instance_dict(instance))
