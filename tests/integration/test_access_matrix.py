"""The default roles in a department tree: what each user gets for every entity, action and status,
through the API, the CSV export/import and the HTML pages."""
from __future__ import annotations

import csv
import io

import pytest

from tests.support.access_world import DEAL_STAGES, ENTITIES, LEAD_STATUSES, OWNERS, PLURALS, build_world
from tests.support.browser import session_client

ALL = set(OWNERS)
SALES = {"manager_a", "manager_b", "head_sales"}
# Whose records each user may act on; with the default roles every action has the same level.
VISIBLE = {
    "manager_a": {e: {"manager_a"} for e in ENTITIES},
    "manager_b": {e: {"manager_b"} for e in ENTITIES},
    "head_sales": {**{e: SALES for e in ENTITIES}, "company": ALL},  # Sales with Sales A and B
    "head_a": {**{e: {"manager_a"} for e in ENTITIES}, "company": ALL},  # Sales A only
    "ceo": {e: ALL for e in ENTITIES},
    "administrator": {e: ALL for e in ENTITIES},
    "admin": {e: ALL for e in ENTITIES},  # portal administrator
}
PATCH = {"lead": {"source": "checked"}, "deal": {"currency": "EUR"}, "contact": {"position": "checked"},
         "company": {"industry": "checked"}, "task": {"description": "checked"}}


@pytest.fixture
def world(api, make_user):
    return build_world(api, make_user)


@pytest.fixture
def clients(world, api, api_for):
    out = {name: api_for(user) for name, user in world.users.items()}
    out["admin"] = api
    return out


def _expected(world, user: str, entity: str) -> set[int]:
    return world.ids(entity, VISIBLE[user][entity])


def _statuses_covered(world) -> None:
    assert {s for _, _, s, _ in world.records["lead"]} == set(LEAD_STATUSES)
    assert {s for _, _, s, _ in world.records["deal"]} == set(DEAL_STAGES)


def test_lists_and_reads_by_id(world, clients):
    _statuses_covered(world)
    for user, client in clients.items():
        for entity in ENTITIES:
            expected = _expected(world, user, entity)
            r = client.get(f"/{PLURALS[entity]}?limit=100")
            assert r.status_code == 200
            assert {item["id"] for item in r.json["items"]} == expected, (user, entity)
            for rid, owner, status, _ in world.records[entity]:
                code = client.get(f"/{PLURALS[entity]}/{rid}").status_code
                assert code == (200 if rid in expected else 404), (user, entity, owner, status)


def test_edits(world, clients):
    for user, client in clients.items():
        for entity in ENTITIES:
            expected = _expected(world, user, entity)
            for rid, owner, status, _ in world.records[entity]:
                r = client.patch(f"/{PLURALS[entity]}/{rid}", PATCH[entity])
                assert r.status_code == (200 if rid in expected else 404), (user, entity, owner, status)


def test_timeline_and_comments_follow_the_record(world, clients):
    client = clients["manager_a"]
    for entity in ("lead", "deal", "contact", "company"):
        for rid, owner, _, _ in world.records[entity][:6]:
            ok = owner == "manager_a"
            assert client.get(f"/{PLURALS[entity]}/{rid}/timeline").status_code == (200 if ok else 404)
            r = client.post(f"/{PLURALS[entity]}/{rid}/comments", {"text": "hello"})
            assert r.status_code == (201 if ok else 404)


def _csv_ids(text: str) -> set[int]:
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(text))}


def test_export(world, clients):
    for user, client in clients.items():
        for entity in ENTITIES:
            r = client.get(f"/{PLURALS[entity]}/export?format=csv")
            assert r.status_code == 200 and r.mimetype == "text/csv", (user, entity)
            assert _csv_ids(r.get_data(as_text=True)) == _expected(world, user, entity), (user, entity)


def _new(entity: str, owner_id: int, n: str) -> dict:
    title = {"contact": "last_name"}.get(entity, "title")
    return {title: f"new {entity} {n}", "responsible_id": owner_id}


def test_add(world, clients):
    for user, client in clients.items():
        for entity in ENTITIES:
            for owner in OWNERS:
                r = client.post(f"/{PLURALS[entity]}", _new(entity, world.users[owner].id, f"{user}-{owner}"))
                # A task one creates is one's own (creator), whoever is responsible.
                allowed = entity == "task" or owner in VISIBLE[user][entity]
                assert r.status_code == (201 if allowed else 403), (user, entity, owner, r.json)
                if not allowed:
                    assert r.json["error"].startswith(f"Missing right: add {entity}")


def test_import_is_all_or_nothing_within_the_import_right(world, clients):
    for user, client in clients.items():
        for entity in ENTITIES:
            title = {"contact": "last_name"}.get(entity, "title")
            lines = [f"{title},responsible_id"] + [
                f"imported {entity} {user} {owner},{world.users[owner].id}" for owner in OWNERS]
            before = client.get(f"/{PLURALS[entity]}?limit=100").json["items"]
            r = client.post(f"/{PLURALS[entity]}/import", data="\n".join(lines),
                            content_type="text/csv")
            refused = [i + 2 for i, owner in enumerate(OWNERS)
                       if entity != "task" and owner not in VISIBLE[user][entity]]
            if refused:
                assert r.status_code == 422, (user, entity)
                assert [row["row"] for row in r.json["rows"]] == refused
                assert all(f"Missing right: import {entity}" in str(row["fields"]) for row in r.json["rows"])
                assert client.get(f"/{PLURALS[entity]}?limit=100").json["items"] == before
            else:
                assert r.status_code == 201 and r.json["created"] == len(OWNERS), (user, entity, r.json)


def test_delete(world, clients):
    deleted: set[tuple[str, int]] = set()
    for user in ("manager_a", "manager_b", "head_a", "head_sales", "ceo", "administrator", "admin"):
        for entity in ENTITIES:
            expected = _expected(world, user, entity)
            for rid, owner, status, _ in world.records[entity]:
                r = clients[user].delete(f"/{PLURALS[entity]}/{rid}")
                gone = (entity, rid) in deleted
                ok = rid in expected and not gone
                assert r.status_code == (204 if ok else 404), (user, entity, owner, status)
                if ok:
                    deleted.add((entity, rid))
    assert len(deleted) == sum(len(v) for v in world.records.values())


def _login(app, user):
    return session_client(app, user)


def test_html_pages(app, world, admin):
    users = {**world.users, "admin": admin}
    for user, account in users.items():
        browser = _login(app, account)
        for entity in ("lead", "contact", "company", "deal"):
            expected = _expected(world, user, entity)
            html = browser.get(f"/{PLURALS[entity]}").get_data(as_text=True)
            for rid, owner, status, title in world.records[entity]:
                assert (title in html) == (rid in expected), (user, entity, owner, status)
                code = browser.get(f"/{PLURALS[entity]}/{rid}").status_code
                assert code == (200 if rid in expected else 404), (user, entity, owner, status)
        expected = _expected(world, user, "task")
        for rid, owner, _, _ in world.records["task"]:
            code = browser.get(f"/tasks/{rid}").status_code
            assert code == (200 if rid in expected else 404), (user, owner)
