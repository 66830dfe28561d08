"""Camunda Forms: deploy .form files (form-js JSON) as versioned forms, find a user task's form.

A form is keyed by its JSON's top-level "id"; each upload with new content becomes the next
version (an identical upload keeps the newest one), as decisions do (engine.decisions). A user
task shows one through `camunda:formRef` (binding latest | deployment | version, with
`camunda:formRefVersion`) or `camunda:formKey="camunda-forms:deployment:NAME.form"`; the
version is fixed when the task opens (engine.inbox) and its data checked by engine.form_schema.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.deploy import DiagramInvalid, check_upload_size, require_designer
from engine.form_models import CamundaForm
from engine.form_schema import FormSchemaError, feel_warnings, field_keys, fields, parse_schema, task_form_ref
from engine.models import ProcessVersion
from engine.spiff.xmlsafe import parse_xml
from errors import NotFound
from extensions import db
from org import audit
from org.actors import Actor, actor_user

# camunda-forms:app: names a form of the process application: here, too, an uploaded .form file.
FORM_KEY_PREFIXES = ("camunda-forms:deployment:", "camunda-forms:app:")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
FORM_ELEMENTS = (BPMN + "userTask", BPMN + "startEvent")
CAMUNDA_FORM_KEY = "{http://camunda.org/schema/1.0/bpmn}formKey"
BINDINGS = ("latest", "deployment", "version")


def deploy_forms(files: list[tuple[str, bytes]], *, actor: Actor) -> list[CamundaForm]:
    """Check .form files and store each as a new version of its id (422 naming form and component)."""
    require_designer(actor)
    parsed = []
    for name, data in files:
        check_upload_size(data)
        try:
            parsed.append((name, data, parse_schema(data, name)))
        except FormSchemaError as exc:
            raise DiagramInvalid([{"element": exc.where, "message": exc.reason}]) from exc
    user = actor_user(actor)
    rows = [_store(name, data, schema, None if user.is_system else user.id) for name, data, schema in parsed]
    db.session.flush()
    audit.record("form.deploy", f"forms {', '.join(r.key for r in rows)}"[:200],
                 {"versions": {r.key: r.version for r in rows}}, actor=actor)
    return rows


def _store(name: str, data: bytes, schema: dict, user_id: int | None) -> CamundaForm:
    digest = hashlib.sha256(data).hexdigest()
    latest = latest_form(schema["id"])
    if latest is not None and latest.sha256 == digest:
        return latest
    row = CamundaForm(key=schema["id"], version=(latest.version + 1) if latest else 1,
                      resource_name=name.rsplit("/", 1)[-1][:255], schema=schema, sha256=digest,
                      created_by_id=user_id)
    row.is_new = True
    db.session.add(row)
    return row


def mark_deployment(rows: list[CamundaForm], deployment_id: int) -> None:
    """Record the engine-rest deployment that brought the new versions (binding=deployment)."""
    for row in rows:
        if getattr(row, "is_new", False):
            row.deployment_id = deployment_id


def latest_form(key: str) -> CamundaForm | None:
    """The newest version of a form, or None."""
    return db.session.scalar(select(CamundaForm).where(CamundaForm.key == key)
                             .order_by(CamundaForm.version.desc()).limit(1))


def get_form(key: str, version: int | None = None) -> CamundaForm:
    """A form's newest version, or the given one (404 naming what is missing)."""
    row = latest_form(key) if version is None else db.session.scalar(
        select(CamundaForm).where(CamundaForm.key == key, CamundaForm.version == version))
    if row is None:
        raise NotFound(f"No form {key!r}" + (f" version {version}" if version is not None else ""))
    return row


def list_forms() -> list[dict]:
    """Every form id with its newest version."""
    newest = (select(CamundaForm.key, func.max(CamundaForm.version).label("v"))
              .group_by(CamundaForm.key).subquery())
    rows = db.session.scalars(select(CamundaForm).join(
        newest, (newest.c.key == CamundaForm.key) & (newest.c.v == CamundaForm.version))
        .order_by(CamundaForm.key))
    return [form_to_dict(row) for row in rows]


def form_to_dict(row: CamundaForm, *, schema: bool = False) -> dict:
    """A form version as the API shows it (with its schema when asked); `warnings` name the fields
    whose conditions the server cannot evaluate."""
    out = {"key": row.key, "version": row.version, "resource_name": row.resource_name,
           "deployment_id": row.deployment_id, "sha256": row.sha256, "warnings": feel_warnings(row.schema),
           "created_at": row.created_at.isoformat() + "Z" if row.created_at else None}
    if schema:
        out["schema"] = row.schema
    return out


# ---- user tasks ---------------------------------------------------------------------------

def form_problems(bpmn: bytes) -> list[dict]:
    """Deploy-time check that every user task's and start event's Camunda Form is deployed (same
    deployment or before)."""
    problems = []
    for el in parse_xml(bpmn).iter(*FORM_ELEMENTS):
        ref = task_form_ref(el)
        if ref is None or "${" in ref["ref"] or "#{" in ref["ref"]:
            continue
        try:
            resolve_form(ref, None)
        except (NotFound, ValueError) as exc:
            problems.append({"element": el.get("id"), "message": f"camunda:{ref['by']}: {exc}: deploy the "
                                                                  ".form file with the diagram or first"})
    return problems


def resolve_form(ref: dict, version: ProcessVersion | None) -> CamundaForm:
    """The form version a task shows (NotFound / ValueError naming what is wrong)."""
    binding = ref.get("binding") or "latest"
    if binding == "resource":
        prefix = next((p for p in FORM_KEY_PREFIXES if ref["ref"].startswith(p)), None)
        if prefix is None:
            raise ValueError(f"{ref['ref']!r}: use camunda-forms:deployment:NAME.form")
        name = ref["ref"][len(prefix):].rsplit("/", 1)[-1]
        return _in_deployment(CamundaForm.resource_name == name, version, f"form file {name!r}")
    if binding not in BINDINGS:
        raise ValueError(f"formRefBinding {binding!r} is not one of {', '.join(BINDINGS)}")
    if binding == "version":
        try:
            return get_form(ref["ref"], int(ref.get("version") or ""))
        except ValueError:
            raise ValueError(f"formRefVersion {ref.get('version')!r} is not a number") from None
    if binding == "deployment":
        return _in_deployment(CamundaForm.key == ref["ref"], version, f"form {ref['ref']!r}")
    return get_form(ref["ref"])


def _in_deployment(where: Any, version: ProcessVersion | None, what: str) -> CamundaForm:
    """The version deployed with the process version, else the newest one deployed before it."""
    stmt = select(CamundaForm).where(where).order_by(CamundaForm.version.desc()).limit(1)
    row = None
    if version is not None:
        row = (db.session.scalar(stmt.where(CamundaForm.deployment_id == version.id))
               or db.session.scalar(stmt.where(CamundaForm.created_at <= version.created_at)))
    row = row or db.session.scalar(stmt)
    if row is None:
        raise NotFound(f"No {what} is deployed")
    return row


def form_input(row: CamundaForm, variables: dict) -> dict:
    """The variables the form's fields (and dynamic options) start from, JSON-clean."""
    names = set(field_keys(row.schema))
    names |= {c["valuesKey"] for _, c in fields(row.schema) if isinstance(c.get("valuesKey"), str)}
    picked = {k: v for k, v in (variables or {}).items() if k in names}
    return json.loads(json.dumps(picked, default=_plain))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


# ---- start events and the Camunda DTOs -------------------------------------------------------

_REFS: dict[tuple[int, str], dict[str, dict]] = {}
_REFS_KEPT = 512  # versions; a process holding more starts over (a re-parse costs milliseconds)


def element_forms(version: ProcessVersion) -> dict[str, dict]:
    """{element id: {ref (task_form_ref or None), form_key, start}} of the version's user tasks and
    start events naming a form (versions never change, so this is kept per version)."""
    cache_key = (version.id, version.bpmn_sha256)
    found = _REFS.get(cache_key)
    if found is None:
        found = {}
        for el in parse_xml(version.bpmn).iter(*FORM_ELEMENTS):
            ref, key = task_form_ref(el), (el.get(CAMUNDA_FORM_KEY) or "").strip() or None
            if ref is not None or key is not None:
                start = el.tag == BPMN + "startEvent" and el.getparent().get("id") == version.process_id
                found[el.get("id")] = {"ref": ref, "form_key": key, "start": start}
        if len(_REFS) >= _REFS_KEPT:
            _REFS.clear()
        _REFS[cache_key] = found
    return found


def start_form(version: ProcessVersion) -> CamundaForm | None:
    """The Camunda Form a person fills in to start the version by hand, or None."""
    ref = next((f["ref"] for f in element_forms(version).values() if f["start"] and f["ref"]), None)
    return None if ref is None else resolve_form(ref, version)


def camunda_form_fields(version: ProcessVersion, element_id: str) -> tuple[str | None, dict | None]:
    """(formKey, camundaFormRef) of an element as Camunda 7's TaskDto / FormDto answer them."""
    found = element_forms(version).get(element_id)
    if found is None:
        return None, None
    ref = found["ref"]
    if ref is None or ref["by"] == "formKey":
        return found["form_key"], None
    version_no = ref.get("version")
    return None, {"key": ref["ref"], "binding": ref["binding"],
                  "version": int(version_no) if str(version_no or "").isdigit() else None}
