"""Record forms generated from the field specs in crm/entities.py."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from crm.entities import ENTITIES, Entity
from crm.serialize import emails_of
from crm.states import FieldKind
from org.actors import Actor
from org.services.users import list_users
from web.pages.lookups import pipeline_names, stage_values, status_values, titles_by_id

# Fields shown full width; the others share a row two by two.
WIDE_KINDS = {"text", "emails", "phones"}


def form_data(spec: Entity, form: MultiDict, *, creating: bool) -> dict:
    """The submitted values for the service (which validates and converts them)."""
    data: dict = {}
    for f in spec.fields:
        if f.name not in form:
            continue
        value = form.get(f.name, "")
        if f.kind == FieldKind.STATUS and not value.strip() and creating:
            continue  # the model's default status
        data[f.name] = value
    return data


def form_version(form: MultiDict) -> set[int] | None:
    """The version an edit form was loaded with (its hidden `version`), as an If-Match."""
    seen = form.get("version", "")
    return {int(seen)} if seen.isdigit() and len(seen) < 10 else None


def record_values(spec: Entity, record: object | None) -> dict[str, str]:
    """A record's values as the form's text (lists one per line)."""
    if record is None:
        return {}
    values: dict[str, str] = {}
    emails = emails_of(spec.name, [record.id]).get(record.id, [])
    for f in spec.fields:
        raw = emails if f.kind == FieldKind.EMAILS else getattr(record, f.name)
        if f.kind in (FieldKind.EMAILS, FieldKind.PHONES):
            values[f.name] = "\n".join(raw or [])
        elif raw is None:
            values[f.name] = ""
        else:
            values[f.name] = str(raw)
    return values


def _statuses(spec: Entity, values: dict) -> list:
    """A deal's stage choices follow its pipeline; other statuses are one list."""
    if spec.name != "deal":
        return status_values(spec.name)
    raw = str(values.get("pipeline_id") or "")
    return stage_values(int(raw) if raw.isdigit() and len(raw) < 18 else None)


def field_widgets(spec: Entity, values: dict, actor: Actor) -> list[dict]:
    """One dict per field: the spec, its current text, and choices for selects."""
    widgets = []
    users = None
    for f in spec.fields:
        widget = {"field": f, "value": values.get(f.name, ""), "wide": f.kind in WIDE_KINDS,
                  "choices": None}
        if f.kind == FieldKind.STATUS:
            widget["choices"] = [(s.code, s.name) for s in _statuses(spec, values)]
        elif f.kind == FieldKind.REF and f.ref == "pipeline":
            widget["choices"] = [(str(i), n) for i, n in pipeline_names().items()]
        elif f.kind == FieldKind.BOOL:
            widget["choices"] = [("False", "No"), ("True", "Yes")]
        elif f.kind == FieldKind.REF and f.ref == "user":
            users = users if users is not None else list_users()
            widget["choices"] = [(str(u.id), u.full_name) for u in users]
        elif f.kind == FieldKind.REF:  # a type-ahead search (pages.record_lookup), the id kept hidden
            current = int(values[f.name]) if str(values.get(f.name, "")).isdigit() else None
            widget["lookup"] = ENTITIES[f.ref].plural
            widget["titles"] = {str(i): t for i, t in titles_by_id(f.ref, [current], actor).items()}
        widgets.append(widget)
    return widgets

