"""CRM record activities: create leads/contacts/companies/deals, update a record, convert a lead."""
from __future__ import annotations

from crm.entities import ENTITIES, Entity, names
from crm.services import conversion, records
from crm.states import FieldKind
from engine.activities.base import (
    ActivityContext,
    Param,
    Topic,
    as_bool,
    as_dict,
    as_int,
    fail,
    from_service_error,
    given,
)
from errors import ServiceError

RECORD_ENTITIES = tuple(ENTITIES)
KIND_TYPES = {"decimal": "number", "ref": "integer", "emails": "list", "phones": "list"}
FIELDS_PARAM = Param("fields", "More field values as an object, e.g. ${{\"source\": \"web\"}}; "
                     "the named parameters win over it", type="object")


def record_ref(topic: str, params: dict, ctx: ActivityContext, entity_param: str = "entity",
               id_param: str = "id") -> tuple[str, int]:
    """The (entity, id) named by the parameters, defaulting to the process's own record."""
    if given(params, entity_param):
        name = str(params[entity_param]).strip().lower()
        if name not in RECORD_ENTITIES:
            raise fail(topic, entity_param, f"Must be one of {', '.join(RECORD_ENTITIES)}")
    elif ctx.entity in RECORD_ENTITIES:
        name = ctx.entity
    else:
        raise fail(topic, entity_param, "This parameter is required (the process has no record)")
    if given(params, id_param):
        return name, as_int(topic, params, id_param)
    if ctx.entity == name and ctx.entity_id is not None:
        return name, ctx.entity_id
    raise fail(topic, id_param, "This parameter is required (the process is not about a " + name + ")")


def default_responsible(ctx: ActivityContext) -> int | None:
    """The responsible of the process's record, else the user the process acts for."""
    if ctx.entity in RECORD_ENTITIES and ctx.entity_id is not None:
        from extensions import db

        record = db.session.get(ENTITIES[ctx.entity].model, ctx.entity_id)
        if record is not None and record.responsible_id:
            return record.responsible_id
    return ctx.actor.on_behalf_of_id


def _create(spec: Entity):
    topic = f"crm.create_{spec.name}"

    def handle(params: dict, ctx: ActivityContext) -> dict:
        fields = as_dict(topic, params, "fields")
        named = {f.name: params[f.name] for f in spec.fields if given(params, f.name)}
        data = {**fields, **named}
        if not given(data, "responsible_id"):
            data["responsible_id"] = default_responsible(ctx)
        try:
            record = records.create_record(spec.name, data, actor=ctx.actor)
        except ServiceError as exc:
            raise from_service_error(topic, exc, set(fields) - set(named)) from exc
        return {f"{spec.name}_id": record.id}

    params = tuple(Param(f.name, _describe(f), required=f.required, type=KIND_TYPES.get(f.kind, "string"))
                   for f in spec.fields) + (FIELDS_PARAM,)
    return Topic(topic, f"Create a {spec.label.lower()} (logged on its timeline, fires "
                 f"{spec.name}.created).", params, f"{spec.name}_id", handle,
                 result_description=f"The new {spec.label.lower()}'s id")


def _describe(f: object) -> str:
    text = f.label
    if f.kind == FieldKind.REF:
        text += f" ({'user' if f.ref == 'user' else f.ref} id)"
    if f.name == "responsible_id":
        text += "; defaults to the responsible of the process's record, else the process initiator"
    if f.kind == FieldKind.STATUS:
        text += " (a code such as NEW)"
    if f.kind in (FieldKind.EMAILS, FieldKind.PHONES):
        text += " (a list, or a comma-separated text)"
    return text


def update_record(params: dict, ctx: ActivityContext) -> dict:
    """Set fields of a record; `status` moves a lead's status or a deal's stage."""
    topic = "crm.update_record"
    entity, record_id = record_ref(topic, params, ctx)
    spec = ENTITIES[entity]
    fields = as_dict(topic, params, "fields")
    if given(params, "status"):
        if spec.status_field is None:
            raise fail(topic, "status", f"A {entity} has no status; use fields")
        fields[spec.status_field] = params["status"]
    if not fields:
        raise fail(topic, "fields", "Give the fields to set (or a status)")
    try:
        snapshot = _values(records.get_record(entity, record_id, actor=ctx.actor), fields)
        record = records.update_record(entity, record_id, fields, actor=ctx.actor)
    except ServiceError as exc:
        rename = {spec.status_field: "status"} if given(params, "status") and spec.status_field else {}
        field_names = set(fields) - set(rename)
        raise from_service_error(topic, exc, field_names, rename) from exc
    after = _values(record, fields)
    return {"changed_fields": sorted(n for n in fields if after[n] != snapshot[n])}


def _values(record: object, names: dict) -> dict:
    """The current values of `names` on a record (e-mails from their own table)."""
    out = {}
    for name in names:
        out[name] = (records._emails(record.entity, record.id) if name == "emails"
                     else getattr(record, name, None))
    return out


def convert_lead(params: dict, ctx: ActivityContext) -> dict:
    """Convert a lead into a contact, company and/or deal."""
    topic = "crm.convert_lead"
    if given(params, "lead_id"):
        lead_id = as_int(topic, params, "lead_id")
    elif ctx.entity == "lead" and ctx.entity_id is not None:
        lead_id = ctx.entity_id
    else:
        raise fail(topic, "lead_id", "This parameter is required (the process is not about a lead)")
    contact = as_bool(topic, params, "contact", True)
    deal = as_bool(topic, params, "deal", True)
    company = as_bool(topic, params, "company", _has_company_name(lead_id))
    try:
        made = conversion.convert_lead(lead_id, contact=contact, company=company, deal=deal,
                                       actor=ctx.actor)
    except ServiceError as exc:
        if exc.fields:
            raise from_service_error(topic, exc) from exc
        raise fail(topic, "lead_id", exc.message) from exc
    return {"conversion": {f"{k}_id": (v.id if v is not None else None) for k, v in made.items()}}


def _has_company_name(lead_id: int) -> bool:
    from crm.models import Lead
    from extensions import db

    lead = db.session.get(Lead, lead_id)
    return bool(lead is not None and (lead.company_name or "").strip())


RECORD_PARAMS = (
    Param("entity", f"Record type: {names(records_only=True)}; defaults to the process's record"),
    Param("id", "Record id; defaults to the process's record", type="integer"),
)

CREATE_TOPICS = tuple(_create(spec) for spec in ENTITIES.values())
TOPICS: tuple[Topic, ...] = CREATE_TOPICS + (
    Topic("crm.update_record", "Set fields of a record and/or move a lead's status or a deal's stage.",
          RECORD_PARAMS + (
              Param("fields", 'Field values to set, e.g. ${{"amount": 5000, "stage": "OFFER"}}',
                    type="object"),
              Param("status", "New status code of a lead, or stage code of a deal (e.g. JUNK, WON)"),
          ), "changed_fields", update_record,
          result_description="The names of the fields whose value changed"),
    Topic("crm.convert_lead", "Convert a lead into a contact, a company and/or a deal (marks it CONVERTED).",
          (
              Param("lead_id", "The lead; defaults to the process's lead", type="integer"),
              Param("contact", "Create a contact (default true)", type="boolean"),
              Param("company", "Create a company (default: when the lead has a company name)",
                    type="boolean"),
              Param("deal", "Create a deal (default true)", type="boolean"),
          ), "conversion", convert_lead,
          result_description='{"contact_id", "company_id", "deal_id"} (null for those not created)'),
)
