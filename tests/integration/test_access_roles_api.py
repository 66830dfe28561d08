"""The roles API (matrix, assignments, the settings right) and "why can this user see this record?"."""
from __future__ import annotations

from tests.support.access_world import assign, build_world, make_person, role_id

DEFAULT_KEYS = ["manager", "head_of_department", "chief_executive", "administrator"]


def test_default_roles_are_seeded_with_their_matrices(api):
    roles = api.get("/roles").json["items"]
    assert [r["key"] for r in roles] == DEFAULT_KEYS
    by_key = {r["key"]: r for r in roles}
    assert by_key["manager"]["matrix"]["deal"] == {a: "own" for a in
                                                   ("read", "add", "edit", "delete", "export", "import")}
    head = by_key["head_of_department"]["matrix"]
    assert head["lead"]["read"] == head["contact"]["edit"] == head["deal"]["export"] == "department_tree"
    assert head["company"]["read"] == "all"
    assert all(level == "all" for e in by_key["chief_executive"]["matrix"].values() for level in e.values())
    assert [r["can_change_settings"] for r in roles] == [False, False, False, True]
    assert [r["is_default"] for r in roles] == [True, False, False, False]


def test_create_update_and_assign_roles(api):
    r = api.post("/roles", {"name": "Auditor", "matrix": {"deal": {"read": "all", "export": "department"}}})
    assert r.status_code == 201, r.json
    role = r.json
    assert role["matrix"]["deal"]["read"] == "all" and role["matrix"]["lead"]["read"] == "none"
    r = api.patch(f"/roles/{role['id']}", {"name": "Auditors", "matrix": {"lead": {"read": "own"}},
                                           "status_levels": {"lead": {"read": {"JUNK": "all"}}}})
    assert r.status_code == 200, r.json
    assert r.json["name"] == "Auditors" and r.json["matrix"]["lead"]["read"] == "own"
    assert r.json["matrix"]["deal"]["read"] == "all"
    assert r.json["status_levels"] == {"lead": {"read": {"JUNK": "all"}}}
    r = api.patch(f"/roles/{role['id']}", {"status_levels": {"lead": {"read": {"JUNK": None}}}})
    assert r.json["status_levels"] == {}
    user, dep = make_person("auditor", None), api.post("/departments", {"name": "Audit"}).json
    a1 = api.post(f"/roles/{role['id']}/assignments", {"user_id": user.id})
    a2 = api.post(f"/roles/{role['id']}/assignments",
                  {"department_id": dep["id"], "include_subdepartments": True})
    assert a1.status_code == a2.status_code == 201
    assert a2.json == {"id": a2.json["id"], "role_id": role["id"], "department_id": dep["id"],
                       "name": "Audit", "include_subdepartments": True}
    assert api.post(f"/roles/{role['id']}/assignments", {"user_id": user.id}).status_code == 409
    assignments = api.get(f"/roles/{role['id']}").json["assignments"]
    assert [a["id"] for a in assignments] == [a1.json["id"], a2.json["id"]]
    assert api.delete(f"/roles/{role['id']}/assignments/{a1.json['id']}").status_code == 204
    assert api.delete(f"/roles/{role['id']}/assignments/{a1.json['id']}").status_code == 404
    assert [a["id"] for a in api.get(f"/roles/{role['id']}").json["assignments"]] == [a2.json["id"]]


def test_bad_role_input_names_the_field(api):
    matrix = {"lead": {"read": "most"}, "ship": {}, "deal": {"fly": "all"}}
    r = api.post("/roles", {"name": "", "matrix": matrix})
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"name", "matrix.lead.read", "matrix.ship", "matrix.deal.fly"}
    r = api.post("/roles", {"name": "Manager"})
    assert r.status_code == 422 and "name" in r.json["fields"]
    r = api.patch(f"/roles/{role_id('manager')}",
                  {"status_levels": {"company": {"read": {"X": "all"}}, "deal": {"read": {"NOPE": "all"}}}})
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"status_levels.company", "status_levels.deal.read.NOPE"}
    r = api.patch(f"/roles/{role_id('manager')}", {"is_default": "yes", "colour": 1})
    assert r.status_code == 422 and set(r.json["fields"]) == {"is_default", "colour"}
    rid = role_id("manager")
    for body in ({}, {"user_id": 1, "department_id": 1}, {"user_id": 999}, {"user_id": "1"},
                 {"workgroup_id": 5}, {"department_id": 999}):
        assert api.post(f"/roles/{rid}/assignments", body).status_code == 422, body
    user = make_person("x", None)
    r = api.post(f"/roles/{rid}/assignments", {"user_id": user.id, "include_subdepartments": True})
    assert r.status_code == 422 and "include_subdepartments" in r.json["fields"]
    assert api.patch("/roles/999", {"name": "x"}).status_code == 404
    assert api.get(f"/roles/{rid}").json["name"] == "Manager"


def test_writes_need_the_change_access_settings_right(api, api_for):
    manager, admin_role_holder = make_person("manager", None), make_person("settings", None)
    assign(api, "administrator", user_id=admin_role_holder.id)
    client = api_for(manager)
    assert client.get("/roles").status_code == 200
    rid = role_id("manager")
    refused = [client.post("/roles", {"name": "Mine"}), client.patch(f"/roles/{rid}", {"name": "Boss"}),
               client.post(f"/roles/{rid}/assignments", {"user_id": manager.id}),
               client.delete(f"/roles/{rid}"),
               client.get(f"/access/explain?user={manager.id}&entity=lead&action=read")]
    for r in refused:
        assert r.status_code == 403 and r.json["error"] == "Missing right: change access settings"
    holder = api_for(admin_role_holder)  # the Administrator role, without being a portal administrator
    r = holder.post("/roles", {"name": "Mine"})
    assert r.status_code == 201
    assert holder.post(f"/roles/{r.json['id']}/assignments", {"user_id": manager.id}).status_code == 201
    assert holder.delete(f"/roles/{r.json['id']}").status_code == 204
    assert api_for(manager).get("/access/me").json["matrix"]["lead"]["read"] == "own"
    assert holder.get("/access/me").json["can_change_settings"] is True


def test_explain(api, api_for):
    world = build_world(api)
    u, deps = world.users, world.departments
    lead_a = min(world.ids("lead", {"manager_a"}))
    lead_ceo = min(world.ids("lead", {"ceo"}))

    def explain(user: str, record: int | None = lead_a, action: str = "read", entity: str = "lead") -> dict:
        query = f"/access/explain?user={u[user].id}&entity={entity}&action={action}"
        r = api.get(query + (f"&id={record}" if record else ""))
        assert r.status_code == 200, r.json
        return r.json

    own = explain("manager_a")
    assert own["allowed"] is True and own["level"] == "own" and own["role"]["name"] == "Manager"
    assert "responsible" in own["reason"]
    other = explain("manager_b")
    assert other["allowed"] is False and other["level"] == "own" and other["role"]["name"] == "Manager"
    head = explain("head_sales", action="edit")
    assert head["allowed"] is True and head["level"] == "department_tree"
    assert head["role"] == {"id": role_id("head_of_department"), "name": "Head of department", "via": "user",
                            "via_name": ""}
    assert head["department"] == {"id": deps["sales"].id, "name": "Sales"}
    assert "Sales A is within Sales" in head["reason"]
    outside = explain("head_a", record=lead_ceo)
    assert outside["allowed"] is False
    assert outside["department"] == {"id": deps["company"].id, "name": "Company"}
    everything = explain("ceo", action="delete")
    assert everything["allowed"] is True and everything["level"] == "all"
    assert everything["role"]["name"] == "Chief executive"
    portal = api.get(f"/access/explain?user=admin@example.com&entity=deal&id={min(world.ids('deal'))}").json
    assert portal["allowed"] is True and "administrators" in portal["reason"]
    general = explain("manager_a", record=None, action="export", entity="task")
    assert general["allowed"] is True and general["level"] == "own"
    r = api.get("/access/explain?user=nobody&entity=ship&action=fly&id=x")
    assert r.status_code == 422 and set(r.json["fields"]) == {"user", "entity", "action", "id"}
    assert api.get(f"/access/explain?user={u['ceo'].id}&entity=lead&id=99999").status_code == 404


def test_explain_names_the_department_assignment(api):
    world = build_world(api)
    newcomer = make_person("newcomer", world.departments["sales_b"].id)
    assign(api, "head_of_department", department_id=world.departments["sales"].id,
           include_subdepartments=True)
    lead_b = min(world.ids("lead", {"manager_b"}))
    r = api.get(f"/access/explain?user={newcomer.id}&entity=lead&id={lead_b}&action=edit").json
    assert r["allowed"] is True and r["role"]["via"] == "department" and r["role"]["via_name"] == "Sales"
    assert r["department"]["name"] == "Sales B" and "belongs to the user's department Sales B" in r["reason"]


def test_answers_match_the_openapi_document(api, client):
    from jsonschema import Draft202012Validator

    doc = client.get("/api/v1/openapi.json").json

    def check(path: str, method: str, status: int, body: object) -> None:
        answer = doc["paths"][path][method]["responses"][str(status)]
        schema = answer["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(body)

    user = make_person("documented", None)
    check("/roles", "get", 200, api.get("/roles").json)
    body = {"name": "Doc", "matrix": {"deal": {"read": "all"}},
            "status_levels": {"deal": {"edit": {"WON": "none"}}}}
    role_input = doc["components"]["schemas"]["RoleInput"]
    Draft202012Validator({**role_input, "components": doc["components"]}).validate(body)
    role = api.post("/roles", body)
    check("/roles", "post", 201, role.json)
    check("/roles/{role_id}", "patch", 200, api.patch(f"/roles/{role.json['id']}", {"name": "Docs"}).json)
    check("/roles/{role_id}/assignments", "post", 201,
          api.post(f"/roles/{role.json['id']}/assignments", {"user_id": user.id}).json)
    check("/access/explain", "get", 200, api.get(f"/access/explain?user={user.id}&entity=deal").json)
    check("/access/me", "get", 200, api.get("/access/me").json)
    check("/leads/import", "post", 201,
          api.post("/leads/import", data="title\nx\n", content_type="text/csv").json)
