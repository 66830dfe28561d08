"""Editing the company: departments renamed, moved (never under themselves), given a head,
deleted only when empty (409 saying what holds them); a user's department, position, names and
e-mail changed by an administrator, with rights and search following at once."""
from __future__ import annotations

import logging

from crm.events import relay_pending
from tests.integration.portal.helpers import admin_mode, login
from tests.support.access_world import assign


def _dep(api, name: str, parent_id: int | None = None) -> int:
    r = api.post("/departments", {"name": name, "parent_id": parent_id})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_rename_move_and_new_head_and_never_under_itself(api, make_user, caplog):
    caplog.set_level(logging.INFO, logger="flowdesk.org")
    head = make_user()
    top, sales = _dep(api, "Company"), _dep(api, "Sales")
    inside = _dep(api, "Inside", sales)
    change = {"name": "Sales & Marketing", "parent_id": top, "head_id": head.id}
    r = api.patch(f"/departments/{sales}", change)
    assert r.status_code == 200, r.json
    assert (r.json["name"], r.json["parent_id"], r.json["head_id"]) == ("Sales & Marketing", top, head.id)
    assert api.get(f"/departments/{inside}").json["path"] == f"/{top}/{sales}/{inside}/"
    for parent in (sales, inside):  # itself, and its own sub-department
        r = api.patch(f"/departments/{sales}", {"parent_id": parent})
        assert r.status_code == 422 and set(r.json["fields"]) == {"parent_id"}, r.json
    assert api.patch(f"/departments/{sales}", {"head_id": 999999}).status_code == 422
    assert api.patch(f"/departments/{sales}", {"parent_id": None}).json["path"] == f"/{sales}/"
    assert f"Department {sales} changed" in caplog.text


def test_delete_only_when_empty_with_a_409_counting_what_holds_it(api, api_for, make_user):
    sales = _dep(api, "Sales")
    inside = _dep(api, "Inside", sales)
    seller = make_user(department_id=inside)
    api_for(seller).post("/leads", {"title": "Kept lead"})
    r = api.delete(f"/departments/{inside}")
    assert r.status_code == 409 and r.json["holders"] == {"users": 1, "records": 1}, r.json
    assert "1 user, 1 record" in r.json["error"]
    assert api.delete(f"/departments/{sales}").json["holders"] == {"sub-departments": 1}
    assert api.patch(f"/users/{seller.id}", {"department_ids": [sales]}).status_code == 200
    assert api.delete(f"/departments/{inside}").status_code == 204  # the record moved with its person
    assert api.delete(f"/departments/{sales}").json["holders"] == {"users": 1, "records": 1}
    assert api.delete(f"/departments/{inside}").status_code == 404


def test_user_patch_moves_rights_and_search_at_once(api, api_for, make_user):
    north, south = _dep(api, "North"), _dep(api, "South")
    boss = make_user(department_id=north)
    matrix = {"lead": {"read": "department"}}
    role = api.post("/roles", {"name": "Department reader", "matrix": matrix}).json["id"]
    assign(api, role, user_id=boss.id)
    seller = make_user(department_id=south)
    lead = api_for(seller).post("/leads", {"title": "Zanzibar deal"}).json["id"]
    while relay_pending():
        pass
    boss_api = api_for(boss)
    assert boss_api.get(f"/leads/{lead}").status_code == 404
    assert boss_api.get("/search", query_string={"q": "zanzibar"}).json["items"] == []
    change = {"department_ids": [north], "position": "Seller", "first_name": "Sam", "last_name": "Sold",
              "email": "Sam@Example.com"}
    r = api.patch(f"/users/{seller.id}", change)
    assert r.status_code == 200, r.json
    assert (r.json["email"], r.json["full_name"], r.json["position"]) == (
        "sam@example.com", "Sam Sold", "Seller")
    assert boss_api.get(f"/leads/{lead}").status_code == 200  # rights follow at once
    assert [i["id"] for i in boss_api.get("/search", query_string={"q": "zanzibar"}).json["items"]] == [lead]
    assert [u["id"] for u in api.get("/users", query_string={"q": "sold"}).json["items"]] == [seller.id]
    taken = api.patch(f"/users/{seller.id}", {"email": boss.email})
    assert taken.status_code == 409 and set(taken.json["fields"]) == {"email"}
    assert api.patch(f"/users/{seller.id}", {"email": "not-an-address"}).status_code == 422
    assert api_for(seller).patch(f"/users/{seller.id}", {"email": "me@example.com"}).status_code == 403


def test_structure_page_renames_moves_and_deletes(client, admin, api):
    sales, other = _dep(api, "Sales"), _dep(api, "Other")
    login(client, admin)
    admin_mode(client)
    page = client.get("/company/departments").get_data(as_text=True)
    assert f'data-department-id="{sales}"' in page and "data-drop-target" in page
    form = {"name": "Sales team", "parent_id": str(other), "head_id": ""}
    r = client.post(f"/company/departments/{sales}/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[-400:]
    assert api.get(f"/departments/{sales}").json["parent_id"] == other
    r = client.post(f"/company/departments/{other}/edit", data={"name": "Other", "parent_id": str(sales)})
    assert r.status_code == 422 and 'data-error-for="parent_id"' in r.get_data(as_text=True)
    r = client.post(f"/company/departments/{other}/delete", follow_redirects=True)
    assert "1 sub-department" in r.get_data(as_text=True)
    assert client.post(f"/company/departments/{sales}/delete").status_code == 302
    assert api.get(f"/departments/{sales}").status_code == 404
