"""GET /api/v1/openapi.json: an OpenAPI 3.1 document of the whole API, built per request.

Record types come from crm/entities.py (fields, required, sortable, status lists read from
the database), the rest from web/api/openapi_paths.py. Other packages add their endpoints
at import time, next to the routes they describe:

    from web.api.openapi import op, ref, register_paths
    register_paths({"/processes": {"get": op("List processes", tag="Processes",
                                              response=ref("ProcessPage"))}},
                   schemas={"ProcessPage": {...}})

tests/integration/test_openapi.py fails when an /api/v1 route is missing from the document.
"""
from __future__ import annotations

from flask import jsonify

from org.models import MAX_ID
from web.api import api

OPENAPI_VERSION = "3.1.0"
_paths: dict[str, dict] = {}
_schemas: dict[str, dict] = {}
ERROR_RESPONSES = {
    "400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
    "409": "Conflict", "410": "Gone", "412": "PreconditionFailed", "413": "PayloadTooLarge",
    "422": "ValidationFailed", "423": "Locked", "429": "TooManyRequests", "503": "Unavailable",
}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": 'The ETag you read ("3"): a record changed since answers 412 (no lost '
                           "update). Without it the change applies to whatever version is current."}
ETAG = {"ETag": {"description": 'The record\'s version as an entity tag ("3"); send it as If-Match',
                 "schema": {"type": "string", "pattern": '^"[0-9]+"$'}}}


def register_paths(paths: dict[str, dict], schemas: dict[str, dict] | None = None) -> None:
    """Add path items (keys relative to /api/v1, e.g. "/processes/{id}") and component schemas."""
    for path, item in paths.items():
        _paths.setdefault(path, {}).update(item)
    _schemas.update(schemas or {})


def ref(name: str) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict:
    """The list envelope {"items": [...], "next": cursor|null} of a component schema."""
    return {"type": "object", "required": ["items", "next"], "additionalProperties": False,
            "properties": {"items": {"type": "array", "items": ref(name)},
                           "next": {"type": ["string", "null"],
                                    "description": "Pass as ?cursor= for the next page; null at the end"},
                           "prev": {"type": ["string", "null"],
                                    "description": "Pass as ?before= for the page before; null on the first"},
                           "total": {"type": "integer", "description": "With ?with_total=true: how many "
                                     "records the list holds (capped: see total_exact)"},
                           "total_exact": {"type": "boolean", "description": "False when total is the cap "
                                           "plus one (there are more)"}}}


def items_of(name: str) -> dict:
    """The envelope {"items": [...]} of an unpaged list."""
    return {"type": "object", "required": ["items"], "additionalProperties": False,
            "properties": {"items": {"type": "array", "items": ref(name)}}}


def param(name: str, where: str = "query", schema: dict | None = None, description: str = "",
          required: bool | None = None) -> dict:
    out = {"name": name, "in": where, "schema": schema or {"type": "string"},
           "required": where == "path" if required is None else required}
    if description:
        out["description"] = description
    return out


def path_id(name: str) -> dict:
    return param(name, "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID})


def op(summary: str, *, tag: str, operation_id: str | None = None, body: dict | None = None,
       response: dict | None = None, status: str = "200", params: list[dict] | None = None,
       errors: tuple[str, ...] = ("401", "403", "404", "422"), public: bool = False,
       description: str = "", media: str = "application/json") -> dict:
    """One operation: body and answer (None: an empty answer), parameters, error answers.

    `media` is the body's and answer's content type (e.g. "text/csv" with {"type": "string"})."""
    out: dict = {"summary": summary, "tags": [tag]}
    if operation_id:
        out["operationId"] = operation_id
    if description:
        out["description"] = description
    if params:
        out["parameters"] = params
    if body is not None:
        out["requestBody"] = {"required": True, "content": {media: {"schema": body}}}
    answer: dict = {"description": summary if status != "204" else "Done; no content"}
    if response is not None:
        answer["content"] = {media: {"schema": response}}
    if body is not None and "413" not in errors:  # MAX_CONTENT_LENGTH applies to every request body
        errors = (*errors, "413")
    texts = [p for p in params or [] if p["in"] == "query" or p["schema"].get("type") == "string"]
    if texts and "422" not in errors:  # e.g. a NUL character (web.api._refuse_nul_in_url)
        errors = (*errors, "422")
    out["responses"] = {status: answer, **{
        code: {"$ref": f"#/components/responses/{ERROR_RESPONSES[code]}"} for code in sorted(errors)}}
    if public:
        out["security"] = []
    return out


def versioned(operation: dict, *, etag: bool = True, if_match: bool = True) -> dict:
    """An operation on a versioned row: an ETag on its answer, If-Match honoured (412 when stale, 409
    when a concurrent change won the race)."""
    if etag:
        ok = next(code for code in operation["responses"] if code.startswith("2"))
        operation["responses"][ok]["headers"] = ETAG
    if if_match:
        operation.setdefault("parameters", []).append(IF_MATCH)
        for code in ("409", "412"):
            operation["responses"][code] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[code]}"}
        operation["responses"] = dict(sorted(operation["responses"].items()))
    return operation


def build_document() -> dict:
    """The whole document (call inside an app context: status lists are read from the database)."""
    from web.api.openapi_paths import core_paths, record_paths
    from web.api.openapi_schemas import component_schemas, error_responses

    paths = {**record_paths(), **core_paths()}
    for path, item in _paths.items():
        paths.setdefault(path, {}).update(item)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Flowdesk API", "version": "1",
                 "description": "CRM records, tasks, users and departments. Authenticate with "
                                "POST /auth/token, then send Authorization: Bearer <token>. "
                                "Errors are {\"error\": ..., \"fields\": {name: why}}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**component_schemas(), **_schemas},
            "responses": error_responses(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal API token (fd_...)"}},
        },
    }


@api.get("/openapi.json", endpoint="openapi")
def openapi_json():
    return jsonify(build_document())
