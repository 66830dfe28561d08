"""Users, departments, /me and personal tokens: everyone reads, administrators write."""

from __future__ import annotations

import pytest

from crm.models import Lead
from extensions import db
from org.models import User
from transactions import unit_of_work


@pytest.fixture
def member(make_user):
    return make_user("mia@example.com", first_name="Mia", last_name="Member", position="Sales")


@pytest.fixture
def member_api(api_for, member):
    return api_for(member)


def _tree(api) -> dict[str, int]:
    sales = api.post("/departments", {"name": "Sales"}).json
    inside = api.post("/departments", {"name": "Inside sales", "parent_id": sales["id"]}).json
    return {"sales": sales["id"], "inside": inside["id"]}


def test_everyone_reads_users(api, member_api, admin, member):
    r = member_api.get("/users")
    assert r.status_code == 200
    by_email = {u["email"]: u for u in r.json["items"]}
    assert set(by_email) == {"admin@example.com", "mia@example.com"}
    mia = by_email["mia@example.com"]
    assert mia == {
        "id": member.id,
        "email": "mia@example.com",
        "first_name": "Mia",
        "last_name": "Member",
        "full_name": "Mia Member",
        "position": "Sales",
        "is_admin": False,
        "active": True,
        "state": "active",
        "department_ids": [],
        "created_at": mia["created_at"],
        "dismissed_at": None,
    }
    assert "password_hash" not in r.get_data(as_text=True)
    assert member_api.get(f"/users/{admin.id}").json["is_admin"] is True
    assert member_api.get("/users/999999").status_code == 404
    assert member_api.get("/users?active=maybe").status_code == 422


def test_admin_creates_a_user_who_can_log_in(api, client):
    deps = _tree(api)
    r = api.post(
        "/users",
        {
            "email": " Neo@Example.com ",
            "password": "s3cret-pass",
            "first_name": "Neo",
            "last_name": "Anderson",
            "position": "Engineer",
            "department_ids": [deps["inside"], deps["sales"]],
        },
    )
    assert r.status_code == 201, r.json
    user = r.json
    assert user["email"] == "neo@example.com" and user["department_ids"] == [deps["inside"], deps["sales"]]
    assert "password" not in user and user["is_admin"] is False
    token = client.post("/api/v1/auth/token", json={"email": "neo@example.com", "password": "s3cret-pass"})
    assert token.status_code == 201
    departments = {d["id"]: d for d in api.get("/departments").json["items"]}
    assert [m["user_id"] for m in departments[deps["inside"]]["members"]] == [user["id"]]
    assert departments[deps["inside"]]["members"][0]["is_primary"] is True
    assert departments[deps["sales"]]["members"][0]["is_primary"] is False


def test_non_admins_get_403_with_a_message(member_api, api, member):
    deps = _tree(api)
    for method, path, body in (
        ("post", "/users", {"email": "x@example.com", "password": "Quiet-bay-42"}),
        ("patch", f"/users/{member.id}", {"is_admin": True}),
        ("post", "/departments", {"name": "Mine"}),
        ("patch", f"/departments/{deps['sales']}", {"name": "Renamed"}),
        ("delete", f"/departments/{deps['inside']}", None),
    ):
        r = member_api.call(method.upper(), path, json=body)
        assert r.status_code == 403, (path, r.json)
        assert "dministrator" in r.json["error"]
    assert api.get(f"/departments/{deps['sales']}").json["name"] == "Sales"
    assert len(api.get("/departments").json["items"]) == 2


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"email": "not-an-email", "password": "short"}, {"email", "password"}),
        ({"email": "admin@EXAMPLE.com", "password": "Quiet-bay-42"}, {"email"}),
        ({"password": "Quiet-bay-42"}, {"email"}),
        ({"email": "a@b.cd"}, {"password"}),
        (
            {"email": "a@b.cd", "password": "Quiet-bay-42", "is_admin": "yes", "role": "x"},
            {"is_admin", "role"},
        ),
        ({"email": "a@b.cd", "password": "Quiet-bay-42", "department_ids": ["sales"]}, {"department_ids"}),
        ({"email": "a@b.cd", "password": "Quiet-bay-42", "department_ids": [999]}, {"department_ids"}),
        ({"email": 5, "password": ["Quiet-bay-42"]}, {"email", "password"}),
    ],
)
def test_user_validation_errors(api, body, fields):
    r = api.post("/users", body)
    assert r.status_code == 422, r.json
    assert set(r.json["fields"]) == fields
    assert len(api.get("/users").json["items"]) == 1


def test_admin_changes_a_user(api, client, member, make_user):
    deps = _tree(api)
    lead_id = _lead_of(member)
    r = api.patch(
        f"/users/{member.id}",
        {
            "email": "Mia.New@example.com",
            "password": "another-pass",
            "is_admin": True,
            "department_ids": [deps["inside"]],
            "last_name": "Moved",
        },
    )
    assert r.status_code == 200, r.json
    assert (r.json["email"], r.json["is_admin"], r.json["department_ids"], r.json["full_name"]) == (
        "mia.new@example.com",
        True,
        [deps["inside"]],
        "Mia Moved",
    )
    login = {"email": "mia.new@example.com", "password": "another-pass"}
    assert client.post("/api/v1/auth/token", json=login).status_code == 201
    db.session.expire_all()
    assert db.session.get(Lead, lead_id).dept_path == f"/{deps['sales']}/{deps['inside']}/"  # records follow
    make_user("taken@example.com")
    r = api.patch(f"/users/{member.id}", {"email": "taken@example.com", "password": "x"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"email", "password"}
    r = api.patch(f"/users/{member.id}", {"colour": "red", "is_admin": "no"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"colour", "is_admin"}
    assert api.get(f"/users/{member.id}").json["email"] == "mia.new@example.com"
    assert api.patch("/users/999999", {"first_name": "x"}).status_code == 404


def _lead_of(user: User) -> int:
    from crm.services.records import create_record

    with unit_of_work():
        return create_record("lead", {"title": "Mine", "responsible_id": user.id}, actor=user).id


def test_people_change_their_own_names_only(member_api, member, admin):
    r = member_api.patch(f"/users/{member.id}", {"first_name": "Mira", "position": "Lead"})
    assert r.status_code == 200 and r.json["full_name"] == "Mira Member" and r.json["position"] == "Lead"
    assert member_api.patch(f"/users/{member.id}", {"is_admin": True}).status_code == 403
    assert member_api.patch(f"/users/{admin.id}", {"first_name": "Evil"}).status_code == 403


def test_the_last_administrator_stays_one(api, admin):
    r = api.patch(f"/users/{admin.id}", {"is_admin": False})
    assert r.status_code == 422 and "is_admin" in r.json["fields"]


def test_departments_tree_with_head_and_members(api, member):
    deps = _tree(api)
    r = api.post("/departments", {"name": "Field sales", "parent_id": deps["sales"], "head_id": member.id})
    assert r.status_code == 201, r.json
    field = r.json
    assert field["path"] == f"/{deps['sales']}/{field['id']}/" and field["head_id"] == member.id
    assert field["members"] == []
    api.patch(f"/users/{member.id}", {"department_ids": [field["id"]]})
    got = api.get(f"/departments/{field['id']}").json
    assert got["members"] == [
        {"user_id": member.id, "full_name": "Mia Member", "email": "mia@example.com", "is_primary": True}
    ]
    r = api.patch(f"/departments/{deps['inside']}", {"parent_id": field["id"], "name": "Inside"})
    assert r.status_code == 200
    assert (
        r.json["path"] == f"/{deps['sales']}/{field['id']}/{deps['inside']}/" and r.json["name"] == "Inside"
    )
    r = api.patch(f"/departments/{deps['inside']}", {"parent_id": None})
    assert r.json["path"] == f"/{deps['inside']}/" and r.json["parent_id"] is None
    assert api.get("/departments/999999").status_code == 404


def test_department_validation(api):
    deps = _tree(api)
    cases = [
        ("post", "/departments", {}, {"name"}),
        ("post", "/departments", {"name": "Sales"}, {"name"}),  # a sibling with that name exists
        ("post", "/departments", {"name": "Inside sales", "parent_id": deps["sales"]}, {"name"}),
        (
            "post",
            "/departments",
            {"name": "X", "parent_id": 999999, "head_id": 999999},
            {"parent_id", "head_id"},
        ),
        ("post", "/departments", {"name": "X", "parent_id": "sales", "colour": 1}, {"parent_id", "colour"}),
        ("patch", f"/departments/{deps['sales']}", {"parent_id": deps["inside"]}, {"parent_id"}),
        ("patch", f"/departments/{deps['sales']}", {"name": " "}, {"name"}),
        ("patch", f"/departments/{deps['inside']}", {"parent_id": None, "name": "Sales"}, {"name"}),
    ]
    for method, path, body, fields in cases:
        r = api.call(method.upper(), path, json=body)
        assert r.status_code == 422, (body, r.json)
        assert set(r.json["fields"]) == fields, (body, r.json)
    assert api.post("/departments", {"name": "Inside sales"}).status_code == 201  # at the top it is free


def test_delete_departments(api, member):
    deps = _tree(api)
    r = api.delete(f"/departments/{deps['sales']}")
    assert r.status_code == 409 and "1 sub-department" in r.json["error"]
    api.patch(f"/users/{member.id}", {"department_ids": [deps["inside"]]})
    r = api.delete(f"/departments/{deps['inside']}")
    assert r.status_code == 409 and "1 user" in r.json["error"]
    api.patch(f"/users/{member.id}", {"department_ids": []})
    assert api.delete(f"/departments/{deps['inside']}").status_code == 204
    assert api.delete(f"/departments/{deps['sales']}").status_code == 204
    assert api.get("/departments").json["items"] == []


def test_me_and_personal_tokens(member_api, client, member):
    assert member_api.get("/me").json["email"] == "mia@example.com"
    r = member_api.post("/me/tokens", {"name": "laptop script"})
    assert r.status_code == 201 and r.json["token"].startswith("fd_") and r.json["name"] == "laptop script"
    token, token_id = r.json["token"], r.json["id"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["id"] == member.id
    listed = member_api.get("/me/tokens").json["items"]
    assert token_id in [t["id"] for t in listed] and token not in str(listed)
    assert member_api.post("/me/tokens", {"name": 5}).status_code == 422
    assert member_api.delete(f"/me/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert token_id not in [t["id"] for t in member_api.get("/me/tokens").json["items"]]
    assert member_api.delete("/me/tokens/999999").status_code == 404


def test_someone_elses_token_cannot_be_revoked(member_api, api):
    admin_token = api.get("/me/tokens").json["items"][0]["id"]
    assert member_api.delete(f"/me/tokens/{admin_token}").status_code == 404
    assert api.get("/me").status_code == 200
