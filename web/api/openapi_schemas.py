"""Component schemas of the OpenAPI document: record types from crm/entities.py, the rest by hand."""
from __future__ import annotations

from crm.entities import ENTITIES, Entity, Field
from crm.states import FieldKind
from crm.task_input import STATUSES as TASK_STATUSES
from crm.validation import status_codes
from org.models import MAX_ID
from web.api.openapi import ETAG, items_of, page_of, ref

DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
VERSION = {"type": "integer", "minimum": 1,
           "description": "Bumped by every change; the ETag; send it back as If-Match"}


def field_schema(spec: Entity, f: Field, *, for_input: bool) -> dict:
    """The JSON Schema of one entity field as the API answers it (or accepts it)."""
    out: dict
    if f.kind in (FieldKind.STR, FieldKind.TEXT):
        out = {"type": "string"}
        if f.max_length:
            out["maxLength"] = f.max_length
    elif f.kind == FieldKind.CURRENCY:
        out = {"type": "string", "pattern": "^([A-Z]{3})?$" if not for_input else "^([A-Za-z]{3})?$",
               "description": "ISO 4217 code such as EUR, or empty"}
    elif f.kind == FieldKind.DECIMAL:
        out = {"type": ["number", "null"]} if not for_input else {
            "type": ["number", "string", "null"], "description": "A number (or a string such as 12.50)"}
    elif f.kind == FieldKind.REF:
        out = {**NULLABLE_ID, "description": f"Id of a {f.ref}"}
    elif f.kind in (FieldKind.EMAILS, FieldKind.PHONES):
        items = {"type": "string", "format": "email"} if f.kind == FieldKind.EMAILS else {"type": "string"}
        out = {"type": "array", "items": items}
        if f.kind == FieldKind.EMAILS:
            out["description"] = "Stored lower-cased, duplicates dropped"
    elif f.kind == FieldKind.BOOL:
        out = {"type": "boolean"} if not for_input else {
            "type": ["boolean", "string"], "description": "true/false (or the texts yes/no/1/0)"}
    elif f.kind == FieldKind.STATUS:
        out = {"type": "string", "enum": status_codes(spec.name),
               "description": "Values come from the status list (data; companies add their own)"}
    else:
        out = {}
    if f.required and f.kind in (FieldKind.STR, FieldKind.TEXT) and for_input:
        out["minLength"] = 1
    out["title"] = f.label
    return out


def record_schema(spec: Entity) -> dict:
    """A record as the API answers it: every key always present, nothing else."""
    props: dict = {"id": ID, "entity": {"const": spec.name},
                   "display_title": {"type": "string"}}
    for f in spec.fields:
        props[f.name] = field_schema(spec, f, for_input=False)
    if spec.name == "deal":
        props["closed"] = {"type": "boolean", "description": "True in won and lost stages"}
    if spec.name in ("contact", "company"):
        props["lead_id"] = {**NULLABLE_ID, "description": "The lead this was converted from"}
    props.update({"created_at": DATETIME, "updated_at": DATETIME, "created_by_id": NULLABLE_ID,
                  "version": VERSION})
    return {"type": "object", "title": spec.label, "properties": props, "required": list(props),
            "additionalProperties": False}


def record_input_schema(spec: Entity) -> dict:
    """The fields a client may send (POST additionally needs the required ones)."""
    props = {f.name: field_schema(spec, f, for_input=True) for f in spec.fields}
    return {"type": "object", "properties": props, "additionalProperties": False}


def _record_schemas() -> dict:
    out: dict = {}
    for spec in ENTITIES.values():
        out[spec.label] = record_schema(spec)
        out[f"{spec.label}Input"] = record_input_schema(spec)
        out[f"{spec.label}Page"] = page_of(spec.label)
    return out


def _obj(props: dict, *, required: list[str] | None = None, closed: bool = True) -> dict:
    out = {"type": "object", "properties": props,
           "required": list(props) if required is None else required}
    if closed:
        out["additionalProperties"] = False
    return out


LINK = _obj({"entity": {"type": "string", "enum": list(ENTITIES)}, "id": ID,
             "title": {"type": ["string", "null"], "description": "null when you may not read it"}})
LINK_INPUT = _obj({"entity": {"type": "string", "description": "lead, contact, company or deal"}, "id": ID},
                  closed=False)
TASK_PROPS = {
    "title": {"type": "string", "maxLength": 255},
    "description": {"type": "string"},
    "deadline": {**NULLABLE_DATETIME, "description": "UTC; a plain date means midnight UTC"},
    "status": {"type": "string", "enum": list(TASK_STATUSES)},
    "responsible_id": NULLABLE_ID,
    "observer_ids": {"type": "array", "items": ID},
}


def _task_schemas() -> dict:
    task = _obj({"id": ID, "entity": {"const": "task"}, **TASK_PROPS,
                 "links": {"type": "array", "items": ref("TaskLink")}, "created_by_id": NULLABLE_ID,
                 "created_at": DATETIME, "updated_at": DATETIME, "completed_at": NULLABLE_DATETIME,
                 "version": VERSION})
    deadline = {"type": ["string", "null"],
                "description": "ISO date (2026-05-01) or date-time (2026-05-01T17:00:00Z)"}
    task_input = _obj({**TASK_PROPS, "deadline": deadline}, required=[])
    create = _obj({**task_input["properties"],
                   "links": {"type": "array", "items": ref("TaskLinkInput"), "maxItems": 500},
                   "per_record": {"type": "boolean", "default": False,
                                  "description": "One task per linked record instead of one for all"}},
                  required=["title"])
    return {"Task": task, "TaskInput": task_input, "TaskCreate": create, "TaskLink": LINK,
            "TaskLinkInput": LINK_INPUT, "TaskPage": page_of("Task"), "TaskList": items_of("Task")}


def _org_schemas() -> dict:
    user = _obj({"id": ID, "email": {"type": "string", "format": "email"}, "first_name": {"type": "string"},
                 "last_name": {"type": "string"}, "full_name": {"type": "string"},
                 "position": {"type": "string"}, "is_admin": {"type": "boolean"},
                 "active": {"type": "boolean"},
                 "state": {"enum": ["active", "pending", "dismissed"],
                           "description": "pending: invited, not joined yet"},
                 "department_ids": {"type": "array", "items": ID, "description": "The primary one first"},
                 "created_at": DATETIME, "dismissed_at": NULLABLE_DATETIME})
    user_input = _obj({"email": {"type": "string", "format": "email"},
                       "password": {"type": "string", "minLength": 8},
                       "first_name": {"type": ["string", "null"]}, "last_name": {"type": ["string", "null"]},
                       "position": {"type": ["string", "null"]}, "is_admin": {"type": "boolean"},
                       "department_ids": {"type": "array", "items": ID},
                       "password_link": {"type": "boolean", "description": (
                           "Add a colleague without a password: they get a mail with a link to set one")}},
                      required=[])
    member = _obj({"user_id": ID, "full_name": {"type": "string"}, "email": {"type": "string"},
                   "is_primary": {"type": "boolean"}})
    department = _obj({"id": ID, "name": {"type": "string"}, "parent_id": NULLABLE_ID, "head_id": NULLABLE_ID,
                       "path": {"type": "string", "description": "Materialised path such as /1/4/"},
                       "members": {"type": "array", "items": ref("DepartmentMember")}})
    department_input = _obj({"name": {"type": "string", "minLength": 1, "maxLength": 200},
                             "parent_id": NULLABLE_ID, "head_id": NULLABLE_ID}, required=[])
    token = _obj({"id": ID, "name": {"type": "string"}, "created_at": DATETIME,
                  "last_used_at": NULLABLE_DATETIME})
    new_token = _obj({**token["properties"], "token": {
        "type": "string", "description": "Shown in this answer only; only a hash is stored"}})
    me = _obj({**user["properties"], "admin_mode": {"type": "boolean"}})
    return {"User": user, "Me": me, "UserInput": user_input, "UserList": items_of("User"),
            "DepartmentMember": member, "Department": department, "DepartmentInput": department_input,
            "DepartmentList": items_of("Department"), "ApiToken": token, "NewApiToken": new_token,
            "ApiTokenList": items_of("ApiToken")}


def _misc_schemas() -> dict:
    problem = _obj({"element": {"type": ["string", "null"]}, "message": {"type": "string"}})
    error = _obj({"error": {"type": "string"},
                  "fields": {"type": "object", "additionalProperties": {"type": "string"},
                             "description": "Field name -> why its value was refused"},
                  "errors": {"type": "array", "items": problem,
                             "description": "A refused BPMN diagram: every problem found"}},
                 required=["error"])
    stale = _obj({"error": {"type": "string"},
                  "current_version": {**VERSION, "description": "The version the record has now"}})
    entry = _obj({"id": ID, "kind": {"type": "string", "description": "created, changed, comment, "
                                     "converted, task, ... (changed: data.changes = {field: [old, new]})"},
                  "summary": {"type": "string"}, "body": {"type": "string"}, "data": {"type": "object"},
                  "created_at": DATETIME,
                  "actor": {"oneOf": [{"type": "null"}, _obj({"id": ID, "name": {"type": "string"}})]}})
    targets = ENTITIES["lead"].converts_to
    convert = _obj({k: {"type": "boolean", "default": False} for k in targets}, required=[])
    converted = _obj({k: {"oneOf": [{"type": "null"}, ref(ENTITIES[k].label)]} for k in targets})
    login = _obj({"email": {"type": "string"}, "password": {"type": "string"},
                  "name": {"type": "string", "description": "A label for the token"},
                  "otp": {"type": "string", "description": (
                      "With two-factor sign-in: the authenticator app's current 6-digit code or a "
                      "recovery code (401 naming `otp` when missing or wrong)")}},
                 required=["email", "password"])
    issued = _obj({"token": {"type": "string"}, "user_id": ID})
    return {"Error": error, "VersionMismatch": stale, "TimelineEntry": entry,
            "Timeline": items_of("TimelineEntry"),
            "ConvertRequest": convert, "ConvertResult": converted, "TokenRequest": login,
            "TokenIssued": issued, "Comment": _obj({"text": {"type": "string", "minLength": 1}})}


def component_schemas() -> dict:
    return {**_record_schemas(), **_task_schemas(), **_org_schemas(), **_misc_schemas()}


def error_responses() -> dict:
    texts = {"Unauthorized": "No valid bearer token", "Forbidden": "A right is missing",
             "NotFound": "No such thing (or you may not read it)",
             "Conflict": "Refused in the current state (e.g. a lead converted twice, or a change "
                         "that lost a race with another)",
             "ValidationFailed": "Invalid input; `fields` names each field and why",
             "BadRequest": "The request could not be read (e.g. a broken multipart body)",
             "Gone": "No longer usable (a used or expired link)",
             "PreconditionFailed": "If-Match named a version the record no longer has: read it again "
                                   "(`current_version` is its version now) and reapply your change",
             "PayloadTooLarge": "The request body is larger than the limit, or over a quota",
             "Locked": "Locked by another writer",
             "TooManyRequests": "Too many attempts; wait Retry-After seconds",
             "Unavailable": "A service this needs is unreachable; try again later"}
    out = {name: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
           for name, text in texts.items()}
    out["PreconditionFailed"]["content"]["application/json"]["schema"] = ref("VersionMismatch")
    out["PreconditionFailed"]["headers"] = ETAG
    out["TooManyRequests"]["headers"] = {"Retry-After": {
        "description": "Seconds to wait", "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    return out
