"""Path items of the OpenAPI document: records from crm/entities.py, the rest by hand."""
from __future__ import annotations

from crm.entities import ENTITIES, Entity
from crm.services.tasks import FILTERS as TASK_FILTERS
from crm.services.tasks import SORTABLE as TASK_SORTABLE
from crm.states import FieldKind
from web.api.openapi import op, page_of, param, path_id, ref, versioned

LIMIT = param("limit", schema={"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
              description="Page size")
CURSOR = param("cursor", description="The `next` value of the previous page")
BEFORE = param("before", description="The `prev` value of a page: answers the page before it")
WITH_TOTAL = param("with_total", schema={"type": "boolean"},
                   description="Also answer `total` (counted through the same access rights; capped)")


def _sort_param(names: list[str]) -> dict:
    values = [*names, *(f"-{n}" for n in names)]
    return param("sort", schema={"type": "string", "enum": values, "default": "-id"},
                 description="A field; a leading - sorts descending")


def _filter_params(spec: Entity) -> list[dict]:
    out = [param("q", description="Text in the title / name"),
           param("email", description="Records with this e-mail address (any case)")]
    for f in spec.fields:
        if f.kind in (FieldKind.EMAILS, FieldKind.PHONES, FieldKind.TEXT):
            continue
        schema: dict = {"type": "string"}
        if f.kind == FieldKind.STATUS:
            schema["description"] = "One code or several separated by commas"
        elif f.kind == FieldKind.REF:
            schema = {"oneOf": [{"type": "integer"}, {"const": "null"}]}
        elif f.kind == FieldKind.BOOL:
            schema = {"enum": ["true", "false", "yes", "no", "on", "off", "1", "0"]}
        out.append(param(f.name, schema=schema, description=f"Exact {f.label.lower()}"))
    return out


def _one_type(spec: Entity) -> dict:
    name, label, plural, tag = spec.name, spec.label, spec.plural, spec.label + "s"
    required = [f.name for f in spec.fields if f.required]
    create_body = ref(f"{label}Input")
    if required:
        create_body = {"allOf": [create_body, {"required": required}]}
    rid = path_id("record_id")
    return {
        f"/{plural}": {
            "get": op(f"List {plural}", tag=tag, operation_id=f"list_{plural}", response=ref(f"{label}Page"),
                      params=[LIMIT, CURSOR, BEFORE, WITH_TOTAL, _sort_param(spec.sortable),
                              *_filter_params(spec)]),
            "post": op(f"Create a {name}", tag=tag, operation_id=f"create_{name}", status="201",
                       body=create_body, response=ref(label)),
        },
        f"/{plural}/{{record_id}}": {
            "get": versioned(op(f"Get a {name}", tag=tag, operation_id=f"get_{name}", params=[rid],
                                response=ref(label)), if_match=False),
            "patch": versioned(op(f"Change a {name}", tag=tag, operation_id=f"update_{name}", params=[rid],
                                  body=ref(f"{label}Input"), response=ref(label))),
            "delete": versioned(op(f"Delete a {name}", tag=tag, operation_id=f"delete_{name}",
                                   params=[rid], status="204"), etag=False),
        },
        f"/{plural}/{{record_id}}/timeline": {
            "get": op(f"Timeline of a {name}, newest first", tag=tag, operation_id=f"timeline_{name}",
                      response=ref("Timeline"),
                      params=[rid, param("before", schema={"type": "integer"}, description=(
                          "Only entries older than this id (ignored outside the id range)"))]),
        },
        f"/{plural}/{{record_id}}/comments": {
            "post": op(f"Comment on a {name}", tag=tag, operation_id=f"comment_{name}", params=[rid],
                       status="201", body=ref("Comment"), response=ref("TimelineEntry")),
        },
    }


def record_paths() -> dict:
    paths: dict = {}
    for spec in ENTITIES.values():
        paths.update(_one_type(spec))
    paths["/leads/{lead_id}/convert"] = {"post": op(
        "Convert a lead into a contact, company and/or deal", tag="Leads", operation_id="convert_lead",
        params=[path_id("lead_id")], body=ref("ConvertRequest"), response=ref("ConvertResult"),
        errors=("401", "403", "404", "409", "422"),
        description="The new records are pre-filled from the lead and linked to each other and to it; "
                    "the lead becomes CONVERTED. A second conversion answers 409.")}
    return paths


def _task_paths() -> dict:
    tid = path_id("task_id")
    hints = {"role": "all (default), responsible, observer or created: tasks where you have that role",
             "status": "open, done or open,done", "entity": "With record_id: tasks about that record",
             "record_id": "With entity", "responsible_id": "Tasks of this user", "q": "Text in the title"}
    filters = [param(name, description=hints.get(name, "")) for name in TASK_FILTERS]
    created = {"oneOf": [ref("Task"), page_of("Task") | {"required": ["items"]}]}
    return {
        "/tasks": {
            "get": op("List tasks", tag="Tasks", operation_id="list_tasks", response=ref("TaskPage"),
                      params=[LIMIT, CURSOR, _sort_param(list(TASK_SORTABLE)), *filters]),
            "post": op("Create a task about one or many records", tag="Tasks", operation_id="create_task",
                       status="201", body=ref("TaskCreate"), response=created,
                       description="Answers the task, or with per_record=true {\"items\": [one task per "
                                   "record]}; all are created in one transaction."),
        },
        "/tasks/{task_id}": {
            "get": versioned(op("Get a task", tag="Tasks", operation_id="get_task", params=[tid],
                                response=ref("Task")), if_match=False),
            "patch": versioned(op("Change a task (status done completes it, open reopens it)", tag="Tasks",
                                  operation_id="update_task", params=[tid], body=ref("TaskInput"),
                                  response=ref("Task"))),
            "delete": versioned(op("Delete a task", tag="Tasks", operation_id="delete_task", params=[tid],
                                   status="204"), etag=False),
        },
    }


def _org_paths() -> dict:
    uid = path_id("user_id")
    active = param("active", schema={"enum": ["true", "false", "all"], "default": "true"})
    admin = "Administrators only."
    return {
        "/users": {
            "get": op("List users", tag="Users", operation_id="list_users", response=ref("UserList"),
                      params=[active, param("state", schema={"enum": ["active", "pending", "dismissed"]}),
                              param("q", description="Words in names, e-mail or position"),
                              param("department_id", schema={"type": "integer"},
                                    description="Members of the department and its sub-departments")]),
            "post": op("Create a user", tag="Users", operation_id="create_user", status="201",
                       description=admin,
                       body={"oneOf": [
                           {"allOf": [ref("UserInput"), {"required": ["email", "password"]}]},
                           {"allOf": [ref("UserInput"), {"required": ["email", "password_link"]}]}]},
                       response=ref("User")),
        },
        "/users/{user_id}": {
            "get": op("Get a user", tag="Users", operation_id="get_user", params=[uid], response=ref("User")),
            "patch": op("Change a user", tag="Users", operation_id="update_user", params=[uid],
                        body=ref("UserInput"), response=ref("User"),
                        errors=("401", "403", "404", "409", "422"),
                        description=admin + " People may change their own names and position. 409 (naming "
                                            "`email`) when another user has the e-mail. A new department "
                                            "moves the person's records and rights at once."),
        },
    }


def _department_paths() -> dict:
    did = path_id("department_id")
    admin = "Administrators only."
    return {
        "/departments": {
            "get": op("List departments with their members", tag="Departments",
                      operation_id="list_departments", response=ref("DepartmentList")),
            "post": op("Create a department", tag="Departments", operation_id="create_department",
                       status="201", description=admin, response=ref("Department"),
                       body={"allOf": [ref("DepartmentInput"), {"required": ["name"]}]}),
        },
        "/departments/{department_id}": {
            "get": op("Get a department", tag="Departments", operation_id="get_department", params=[did],
                      response=ref("Department")),
            "patch": op("Change or move a department", tag="Departments", operation_id="update_department",
                        params=[did], body=ref("DepartmentInput"), response=ref("Department"),
                        description=admin + " Rename, new head, new parent: never the department itself "
                                            "or one of its sub-departments (422 naming `parent_id`)."),
            "delete": op("Delete an empty department", tag="Departments", operation_id="delete_department",
                         params=[did], status="204", errors=("401", "403", "404", "409"),
                         description=admin + " 409 while it holds users, sub-departments, records or role "
                                             "assignments: the answer's `holders` counts them."),
        },
    }


def _me_paths() -> dict:
    kid = path_id("token_id")
    return {
        "/me": {"get": op("The caller", tag="Me", operation_id="get_me", response=ref("User"))},
        "/me/tokens": {
            "get": op("Your API tokens", tag="Me", operation_id="list_my_tokens",
                      response=ref("ApiTokenList")),
            "post": op("Create an API token", tag="Me", operation_id="create_my_token", status="201",
                       body={"type": "object", "properties": {"name": {"type": "string", "maxLength": 200}},
                             "additionalProperties": False},
                       response=ref("NewApiToken")),
        },
        "/me/tokens/{token_id}": {
            "delete": op("Revoke an API token", tag="Me", operation_id="revoke_my_token", params=[kid],
                         status="204"),
        },
    }


def core_paths() -> dict:
    """Authentication, tasks, users, departments, the caller and the document itself."""
    return {
        "/auth/token": {"post": op(
            "Trade e-mail and password (and `otp` with two-factor sign-in) for a bearer token",
            tag="Auth", operation_id="issue_token", status="201", body=ref("TokenRequest"),
            response=ref("TokenIssued"), public=True, errors=("401", "422", "429"))},
        "/openapi.json": {"get": op("This document", tag="Meta", operation_id="openapi", public=True,
                                    response={"type": "object"}, errors=())},
        **_task_paths(),
        **_org_paths(),
        **_department_paths(),
        **_me_paths(),
    }
