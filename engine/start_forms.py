"""Starting a process by hand through its start event's Camunda Form (form-js).

A start event with `camunda:formRef` (or `camunda:formKey="camunda-forms:..."`) shows that form
to a person starting the process by hand; what they enter is checked on the server as a user
task's form is (engine.form_schema.clean_submission: 422 naming the field) and becomes the
instance's first variables.
"""
from __future__ import annotations

from typing import Any

from engine.camunda_forms import start_form
from engine.deploy import get_definition, latest_version
from engine.form_models import CamundaForm
from engine.form_schema import clean_submission
from engine.models import ProcessInstance
from engine.starters import require_starter
from engine.triggers import start_by_key, start_manually
from errors import ValidationError
from org.actors import Actor


def start_form_for(key: str, *, actor: Actor) -> CamundaForm | None:
    """The start form of the newest version of `key`, or None (the actor must be allowed to start it)."""
    version = latest_version(get_definition(key))
    if version is None:
        return None
    require_starter(version, actor)
    return start_form(version)


def start_with_form(key: str, entity: str, record_id: Any, data: Any, *, actor: Actor) -> ProcessInstance:
    """Check `data` against the start form (422 naming the field) and start the process on the record
    with it as variables; a process without a start form takes no data."""
    form = start_form_for(key, actor=actor)
    if form is None:
        if data:
            raise ValidationError.from_fields({"data": f"Process {key!r} has no start form"})
        return start_manually(key, entity, record_id, None, actor=actor)
    result = clean_submission(form.schema, data if data is not None else {})
    if result.errors:
        raise ValidationError.from_fields(result.errors)
    return start_manually(key, entity, record_id, result.values, actor=actor)


def start_without_record(key: str, data: Any, *, actor: Actor) -> ProcessInstance:
    """Start the newest version with no record through its start form (422 naming the field), as
    Camunda's tasklist starts a process; run to its first wait state."""
    form = start_form_for(key, actor=actor)
    if form is None:
        raise ValidationError.from_fields({"key": f"Process {key!r} has no start form"})
    result = clean_submission(form.schema, data if data is not None else {})
    if result.errors:
        raise ValidationError.from_fields(result.errors)
    return start_by_key(key, result.values, actor=actor)
