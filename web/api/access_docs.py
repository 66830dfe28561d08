"""OpenAPI entries for roles, assignments, explain, and CSV export/import."""
from __future__ import annotations

from crm.entities import REGISTRY
from crm.rights.models import ACTIONS, ENTITIES, LEVELS
from crm.services.spreadsheets import XLSX_MIME
from web.api.openapi import items_of, op, param, path_id, ref, register_paths

TAG, EXCHANGE = "Access rights", "Export and import"
LEVEL = {"type": "string", "enum": list(LEVELS)}
CELLS = {"type": "object", "additionalProperties": False,
         "properties": {a: LEVEL for a in ACTIONS}}
STATUS_CELLS = {"type": "object", "additionalProperties": False, "properties": {
    e: {"type": "object", "additionalProperties": False, "properties": {
        a: {"type": "object", "additionalProperties": {"type": ["string", "null"], "enum": [*LEVELS, None]}}
        for a in ACTIONS}} for e in ("lead", "deal")},
    "description": 'Per lead status / deal stage: {"deal": {"read": {"WON": "all"}}}; null removes one'}
MATRIX = {"type": "object", "additionalProperties": False, "properties": {e: CELLS for e in ENTITIES},
          "description": "The level of each entity and action for any status"}
ASSIGNMENT = {"type": "object", "required": ["id", "role_id", "name"], "additionalProperties": False,
              "properties": {"id": {"type": "integer"}, "role_id": {"type": "integer"},
                             "name": {"type": "string"}, "user_id": {"type": "integer"},
                             "department_id": {"type": "integer"},
                             "include_subdepartments": {"type": "boolean"},
                             "workgroup_id": {"type": "integer"}}}
SCHEMAS = {
    "Role": {"type": "object", "additionalProperties": False,
             "required": ["id", "name", "key", "is_default", "can_change_settings", "matrix",
                          "status_levels", "assignments"],
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                            "key": {"type": ["string", "null"]}, "is_default": {"type": "boolean"},
                            "can_change_settings": {"type": "boolean"}, "matrix": MATRIX,
                            "status_levels": STATUS_CELLS,
                            "assignments": {"type": "array", "items": ref("RoleAssignment")}}},
    "RoleInput": {"type": "object", "additionalProperties": False,
                  "properties": {"name": {"type": "string", "maxLength": 100},
                                 "is_default": {"type": "boolean"},
                                 "can_change_settings": {"type": "boolean"},
                                 "matrix": MATRIX, "status_levels": STATUS_CELLS}},
    "RoleAssignment": ASSIGNMENT,
    "RoleAssignmentInput": {"description": "Exactly one of user_id, department_id, workgroup_id",
                            "type": "object", "additionalProperties": False,
                            "properties": {"user_id": {"type": "integer"},
                                           "department_id": {"type": "integer"},
                                           "include_subdepartments": {"type": "boolean"},
                                           "workgroup_id": {"type": "integer"}}},
    "AccessExplanation": {"type": "object", "additionalProperties": False,
                          "required": ["allowed", "role", "level", "department", "reason"],
                          "properties": {
                              "user": {"type": "object"}, "entity": {"type": "string"},
                              "id": {"type": ["integer", "null"]}, "action": {"type": "string"},
                              "allowed": {"type": "boolean"}, "level": LEVEL, "reason": {"type": "string"},
                              "role": {"type": ["object", "null"]},
                              "department": {"type": ["object", "null"]}}},
    "MyRights": {"type": "object", "additionalProperties": False,
                 "required": ["matrix", "status_levels", "can_change_settings"],
                 "properties": {"matrix": MATRIX, "status_levels": STATUS_CELLS,
                                "can_change_settings": {"type": "boolean"}}},
    "ImportResult": {"type": "object", "additionalProperties": False, "required": ["created", "ids"],
                     "properties": {"created": {"type": "integer"},
                                    "ids": {"type": "array", "items": {"type": "integer"}}}},
}
ROLE_ID = [path_id("role_id")]


def _paths() -> dict:
    paths = {
        "/roles": {
            "get": op("Roles with their matrices and assignments", tag=TAG, response=items_of("Role")),
            "post": op("Create a role (needs: change access settings)", tag=TAG, body=ref("RoleInput"),
                       response=ref("Role"), status="201")},
        "/roles/{role_id}": {
            "get": op("One role", tag=TAG, params=ROLE_ID, response=ref("Role")),
            "patch": op("Change a role: only the fields and cells sent", tag=TAG, params=ROLE_ID,
                        body=ref("RoleInput"), response=ref("Role")),
            "delete": op("Delete a role", tag=TAG, params=ROLE_ID, status="204")},
        "/roles/{role_id}/assignments": {
            "post": op("Give the role to a user, a department or a workgroup", tag=TAG, params=ROLE_ID,
                       body=ref("RoleAssignmentInput"), response=ref("RoleAssignment"), status="201",
                       errors=("401", "403", "404", "409", "422"))},
        "/roles/{role_id}/assignments/{assignment_id}": {
            "delete": op("Remove an assignment", tag=TAG, params=[*ROLE_ID, path_id("assignment_id")],
                         status="204")},
        "/access/explain": {
            "get": op("Why may (or may not) a user act on a record", tag=TAG,
                      response=ref("AccessExplanation"),
                      params=[param("user", description="User id or e-mail", required=True),
                              param("entity", schema={"type": "string", "enum": list(ENTITIES)},
                                    required=True),
                              param("id", description="Record id (leave out: the right in general)"),
                              param("action", schema={"type": "string", "enum": list(ACTIONS)})])},
        "/access/me": {"get": op("The caller's effective rights", tag=TAG, response=ref("MyRights"))},
    }
    for plural in (e.plural for e in REGISTRY.values()):
        paths[f"/{plural}/export"] = {"get": op(
            f"Export {plural} one may read and export as CSV or XLSX (list filters apply)", tag=EXCHANGE,
            operation_id=f"export_{plural}", media="text/csv", response={"type": "string"},
            params=[param("format", schema={"type": "string", "enum": ["csv", "xlsx"], "default": "csv"})])}
        paths[f"/{plural}/export"]["get"]["responses"]["200"]["content"][XLSX_MIME] = {
            "schema": {"type": "string", "format": "binary"}}
        paths[f"/{plural}/import"] = {"post": op(
            f"Import {plural} from CSV or XLSX: every row or none; 422 lists each failing row", tag=EXCHANGE,
            operation_id=f"import_{plural}", media="text/csv", body={"type": "string"},
            response={"type": "string"}, status="201")}
        paths[f"/{plural}/import"]["post"]["responses"]["201"]["content"] = {
            "application/json": {"schema": ref("ImportResult")}}
    return paths


register_paths(_paths(), schemas=SCHEMAS)
