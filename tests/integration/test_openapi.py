"""The OpenAPI document matches the API: every route documented, every answer valid against it."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import delete
from werkzeug.routing import AnyConverter

from crm.models import StatusValue
from extensions import db

RECORDS = {
    "leads": {
        "title": "Big order",
        "first_name": "Ann",
        "last_name": "Lee",
        "company_name": "Acme",
        "emails": ["Ann@Acme.com"],
        "phones": ["+49 30 1"],
        "status": "IN_PROCESS",
        "source": "web",
        "amount": "1500.50",
        "currency": "EUR",
        "comments": "Hot",
    },
    "contacts": {
        "first_name": "Bob",
        "last_name": "Stone",
        "emails": ["bob@example.com"],
        "phones": [],
        "position": "CTO",
    },
    "companies": {"title": "Acme GmbH", "emails": [], "phones": ["030 1"], "industry": "Steel"},
    "deals": {"title": "Rollout", "stage": "WON", "amount": 10, "currency": "USD"},
}
PATH_PARAM = re.compile(r"\{(\w+)\}")


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")  # public: no token
    assert r.status_code == 200
    return r.json


def _validate(doc: dict, schema: dict, instance: object) -> None:
    Draft202012Validator({**schema, "components": doc["components"]}).validate(instance)


def _schema(doc: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


class DocClient:
    """Calls the API by documented path and checks each answer against what the document declares."""

    def __init__(self, api, doc: dict) -> None:
        self.api, self.doc, self.used = api, doc, set()

    def call(self, method: str, template: str, body: object = None, query: str = "", **params: object):
        r = self.api.call(method.upper(), template.format(**params) + query, json=body)
        operation = self.doc["paths"][template][method]
        self.used.add((template, method))
        if body is not None and r.status_code < 300:
            _validate(self.doc, operation["requestBody"]["content"]["application/json"]["schema"], body)
        answer = operation["responses"].get(str(r.status_code))
        assert answer, (
            f"{method.upper()} {template} answered {r.status_code}, which is not documented: {r.data}"
        )
        if "$ref" in answer:
            answer = self.doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        if "content" in answer:
            _validate(self.doc, answer["content"]["application/json"]["schema"], r.json)
        else:
            assert r.data == b""
        return r


def test_document_basics(doc):
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    schemas = doc["components"]["schemas"]
    assert {"Lead", "Contact", "Company", "Deal", "Task", "User", "Department", "Error"} <= set(schemas)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (fd_...)",
    }
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/auth/token"]["post"]["security"] == []
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    assert schemas["Lead"]["properties"]["title"]["maxLength"] == 255
    assert (
        "title"
        in doc["paths"]["/leads"]["post"]["requestBody"]["content"]["application/json"]["schema"]["allOf"][1][
            "required"
        ]
    )
    assert schemas["Deal"]["properties"]["stage"]["enum"] == ["NEW", "PROPOSAL", "NEGOTIATION", "WON", "LOST"]


def test_references_parameters_and_operation_ids_are_consistent(doc):
    text = str(doc)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in doc["components"][kind], name
    ids = [o["operationId"] for item in doc["paths"].values() for o in item.values() if "operationId" in o]
    assert len(ids) == len(set(ids))
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(PATH_PARAM.findall(path)), (method, path)


def _rule_paths(rule: str, converters: dict | None = None) -> list[str]:
    """/api/v1/<any(leads,deals):plural>/<int:record_id> -> ["/leads/{record_id}", "/deals/{record_id}"];
    converters built on AnyConverter (`<records:plural>`) expand to their items the same way."""
    rule = rule.removeprefix("/api/v1")
    found = re.search(r"<any\(([^)]*)\):\w+>", rule)
    if found:
        options = [option.strip(" '\"") for option in found.group(1).split(",")]
        return [p for option in options
                for p in _rule_paths("/api/v1" + rule.replace(found.group(0), option, 1), converters)]
    for name, conv in (converters or {}).items():
        part = re.search(rf"<\w+:{name}>", rule)
        if isinstance(conv, AnyConverter) and part:
            return [p for option in sorted(conv.items)
                    for p in _rule_paths("/api/v1" + rule.replace(part.group(0), option, 1), converters)]
    return [re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)]


def test_every_api_route_is_in_the_document_and_nothing_else(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for path in _rule_paths(rule.rule, rule._converters):
                routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    missing = sorted(f"{m.upper()} {p}" for p, m in routes - documented)
    assert not missing, (
        "Routes missing from the OpenAPI document (web.api.openapi.register_paths): " + ", ".join(missing)
    )
    extra = sorted(f"{m.upper()} {p}" for p, m in documented - routes)
    assert not extra, "Documented operations without a route: " + ", ".join(extra)
    assert ("/leads/{lead_id}/convert", "post") in routes and ("/tasks/{task_id}", "patch") in routes


def test_the_status_enum_follows_the_data(client):
    db.session.add(StatusValue(entity="lead", code="ON_HOLD", name="On hold", sort=25))
    db.session.commit()
    try:
        doc = client.get("/api/v1/openapi.json").json
        assert "ON_HOLD" in doc["components"]["schemas"]["Lead"]["properties"]["status"]["enum"]
    finally:
        db.session.execute(delete(StatusValue).where(StatusValue.code == "ON_HOLD"))
        db.session.commit()


def _records(c: DocClient) -> dict:
    made = {}
    for plural, body in RECORDS.items():
        record = c.call("post", f"/{plural}", body).json
        made[plural] = record
        c.call("get", f"/{plural}/{{record_id}}", record_id=record["id"])
        c.call("patch", f"/{plural}/{{record_id}}", {"phones": ["+1 555"]}, record_id=record["id"])
        c.call("post", f"/{plural}/{{record_id}}/comments", {"text": "hello"}, record_id=record["id"])
        c.call("get", f"/{plural}/{{record_id}}/timeline", record_id=record["id"])
        c.call("get", f"/{plural}", query="?limit=1")
        assert c.call("post", f"/{plural}", {"nope": 1}).status_code == 422
        assert c.call("get", f"/{plural}/{{record_id}}", record_id=999999).status_code == 404
    with pytest.raises(Exception, match="Additional properties"):
        _validate(c.doc, _schema(c.doc, "LeadInput"), {"nope": 1})  # the document refuses it as well
    lead = made["leads"]
    assert (
        c.call("post", "/leads/{lead_id}/convert", {"contact": True, "deal": True}, lead_id=lead["id"]).json[
            "company"
        ]
        is None
    )
    assert c.call("post", "/leads/{lead_id}/convert", {"deal": True}, lead_id=lead["id"]).status_code == 409
    return made


def _tasks(c: DocClient, made: dict, user_id: int) -> None:
    links = [
        {"entity": "contact", "id": made["contacts"]["id"]},
        {"entity": "deal", "id": made["deals"]["id"]},
    ]
    task = c.call(
        "post",
        "/tasks",
        {
            "title": "Call",
            "deadline": "2026-05-01",
            "responsible_id": user_id,
            "observer_ids": [user_id],
            "links": links,
        },
    ).json
    assert c.call("post", "/tasks", {"title": "Each", "per_record": True, "links": links}).json["items"]
    c.call("get", "/tasks", query="?status=open&limit=1")
    c.call("get", "/tasks/{task_id}", task_id=task["id"])
    c.call("patch", "/tasks/{task_id}", {"status": "done", "deadline": None}, task_id=task["id"])
    assert c.call("patch", "/tasks/{task_id}", {"status": "x"}, task_id=task["id"]).status_code == 422
    assert c.call("delete", "/tasks/{task_id}", task_id=task["id"]).status_code == 204


def _org(c: DocClient) -> int:
    sales = c.call("post", "/departments", {"name": "Sales"}).json
    user = c.call(
        "post",
        "/users",
        {
            "email": "neo@example.com",
            "password": "Quiet-bay-42",
            "first_name": "Neo",
            "department_ids": [sales["id"]],
        },
    ).json
    c.call("patch", "/departments/{department_id}", {"head_id": user["id"]}, department_id=sales["id"])
    c.call("get", "/departments/{department_id}", department_id=sales["id"])
    c.call("get", "/departments")
    c.call("patch", "/users/{user_id}", {"position": "Boss", "is_admin": False}, user_id=user["id"])
    c.call("get", "/users/{user_id}", user_id=user["id"])
    c.call("get", "/users", query="?active=all")
    other = c.call("post", "/departments", {"name": "Temp"}).json
    assert c.call("delete", "/departments/{department_id}", department_id=other["id"]).status_code == 204
    assert c.call("post", "/users", {"email": "neo@example.com", "password": "x"}).status_code == 422
    c.call("get", "/me")
    token = c.call("post", "/me/tokens", {"name": "script"}).json
    c.call("get", "/me/tokens")
    c.call("delete", "/me/tokens/{token_id}", token_id=token["id"])
    return user["id"]


def test_every_operation_answers_what_the_document_says(api, api_for, admin, doc):
    from web.api.openapi_paths import core_paths, record_paths

    c = DocClient(api, doc)
    made = _records(c)
    user_id = _org(c)
    _tasks(c, made, user_id)
    for plural, record in made.items():
        assert c.call("delete", f"/{plural}/{{record_id}}", record_id=record["id"]).status_code == 204
    c.call("post", "/auth/token", {"email": "admin@example.com", "password": "Quiet-bay-42"})
    assert (
        c.call("post", "/auth/token", {"email": "admin@example.com", "password": "wrong"}).status_code == 401
    )
    c.call("get", "/openapi.json")
    newcomer = DocClient(api_for(db.session.get(type(admin), user_id)), doc)
    assert newcomer.call("post", "/departments", {"name": "Mine"}).status_code == 403
    anonymous = DocClient(type(api)(api.client), doc)
    assert anonymous.call("get", "/leads").status_code == 401
    core = {(path, method) for path, item in {**record_paths(), **core_paths()}.items() for method in item}
    assert core - (c.used | newcomer.used | anonymous.used) == set(), "operations this test never called"


def test_every_body_may_be_too_large_and_logins_may_be_throttled(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], f"{method.upper()} {path}: 413 (MAX_CONTENT_LENGTH)"
    throttled = doc["paths"]["/auth/token"]["post"]["responses"]["429"]["$ref"].rsplit("/", 1)[1]
    assert "Retry-After" in doc["components"]["responses"][throttled]["headers"]
    problems = doc["components"]["schemas"]["Error"]["properties"]["errors"]  # a refused BPMN upload
    assert problems["items"]["required"] == ["element", "message"]
