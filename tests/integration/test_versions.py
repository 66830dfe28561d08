"""Optimistic locking: versions, ETag and If-Match in the API, stale record forms (409)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from crm.models import Lead
from crm.services.records import create_record, update_record
from crm.services.versions import lost_race
from errors import Conflict
from extensions import db
from tests.integration.test_pages import login


def _lead(api, **values) -> dict:
    r = api.post("/leads", {"title": "Acme", **values})
    assert r.status_code == 201, r.json
    return r.json


def test_etag_is_the_version_and_changes_with_every_patch(api):
    lead = _lead(api)
    assert lead["version"] == 1
    r = api.get(f"/leads/{lead['id']}")
    assert r.headers["ETag"] == '"1"' and r.json["version"] == 1
    r = api.patch(f"/leads/{lead['id']}", {"title": "Acme 2"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.json
    assert r.headers["ETag"] == '"2"' and r.json["version"] == 2
    r = api.patch(f"/leads/{lead['id']}", {"emails": ["a@example.com"]})  # no If-Match: still works
    assert r.status_code == 200 and r.headers["ETag"] == '"3"'  # an e-mail-only change counts too
    r = api.patch(f"/leads/{lead['id']}", {"title": "Acme 2"}, headers={"If-Match": '"3"'})
    assert r.status_code == 200 and r.json["version"] == 3  # nothing changed: same version


def test_stale_if_match_is_412_naming_the_current_version(api):
    lead = _lead(api)
    assert api.patch(f"/leads/{lead['id']}", {"title": "Theirs"}).json["version"] == 2
    r = api.patch(f"/leads/{lead['id']}", {"title": "Mine"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.json
    assert r.json["current_version"] == 2 and "version 2" in r.json["error"]
    assert r.headers["ETag"] == '"2"'
    assert api.get(f"/leads/{lead['id']}").json["title"] == "Theirs"
    for tag in ('"abc"', '"1", "7"', 'W/"1"'):
        r = api.patch(f"/leads/{lead['id']}", {"title": "Mine"}, headers={"If-Match": tag})
        assert r.status_code == 412, tag
    for version, tag in ((2, 'W/"2"'), (3, '"1", "3"'), (4, "*")):  # weak tags, lists and * match too
        r = api.patch(f"/leads/{lead['id']}", {"title": f"Mine {tag}"}, headers={"If-Match": tag})
        assert r.status_code == 200 and r.json["version"] == version + 1, (tag, r.json)


def test_delete_honours_if_match(api):
    lead = _lead(api)
    api.patch(f"/leads/{lead['id']}", {"title": "Changed"})
    r = api.delete(f"/leads/{lead['id']}", headers={"If-Match": '"1"'})
    assert r.status_code == 412 and r.json["current_version"] == 2
    assert api.delete(f"/leads/{lead['id']}", headers={"If-Match": '"2"'}).status_code == 204
    assert api.get(f"/leads/{lead['id']}").status_code == 404


@pytest.mark.parametrize("plural,name", [
    ("contacts", "last_name"), ("companies", "title"), ("deals", "title")])
def test_every_record_type_is_versioned(api, plural, name):
    made = api.post(f"/{plural}", {name: "One"}).json
    assert made["version"] == 1
    r = api.patch(f"/{plural}/{made['id']}", {name: "Two"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = api.patch(f"/{plural}/{made['id']}", {name: "Three"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412 and r.json["current_version"] == 2


def test_tasks_have_etags_and_honour_if_match(api):
    task = api.post("/tasks", {"title": "Call", "links": [{"entity": "lead", "id": _lead(api)["id"]}]}).json
    assert task["version"] == 1
    assert api.get(f"/tasks/{task['id']}").headers["ETag"] == '"1"'
    r = api.patch(f"/tasks/{task['id']}", {"status": "done"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = api.patch(f"/tasks/{task['id']}", {"status": "open"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412 and r.json["current_version"] == 2
    assert api.delete(f"/tasks/{task['id']}", headers={"If-Match": '"1"'}).status_code == 412


def test_deal_closed_follows_the_stage_and_is_answered(api):
    deal = api.post("/deals", {"title": "D"}).json
    assert deal["closed"] is False
    r = api.patch(f"/deals/{deal['id']}", {"stage": "WON"}, headers={"If-Match": '"1"'})
    assert r.json["closed"] is True and r.json["version"] == 2
    r = api.patch(f"/deals/{deal['id']}", {"stage": "NEW"}, headers={"If-Match": '"2"'})
    assert r.json["closed"] is False and r.json["version"] == 3


def test_a_flush_that_lost_the_race_is_a_conflict(app, admin):
    """A writer that did not lock (UPDATE ... WHERE version = :read matches nothing) gets a 409."""
    lead = create_record("lead", {"title": "Race"}, actor=admin)
    db.session.commit()
    assert lead.version == 1  # read
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(version=Lead.version + 1)
                       .execution_options(synchronize_session=False))  # another writer
    lead.title = "Mine"
    with pytest.raises(Conflict), lost_race("Lead", lead.id):
        db.session.flush()
    db.session.rollback()  # (the other writer's bump too: it shared the transaction)
    update_record("lead", lead.id, {"title": "Locked"}, actor=admin)
    db.session.commit()
    assert (lead.title, lead.version) == ("Locked", 2)


def _form(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))


def test_stale_form_is_409_showing_the_other_change(client, admin, api):
    lead = _lead(api, comments="first")
    login(client, admin.email)
    page = client.get(f"/leads/{lead['id']}/edit").get_data(as_text=True)
    form = _form(page)
    assert form["version"] == "1"
    api.patch(f"/leads/{lead['id']}", {"title": "Their title", "status": "IN_PROCESS"})
    form.update(title="My title", comments="mine", status="NEW")
    r = client.post(f"/leads/{lead['id']}/edit", data=form)
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"fd-theirs\">([^<]*)</td>"
                      r"<td class=\"fd-yours\">([^<]*)</td></tr>", html)
    assert ("Title", "Their title", "My title") in rows
    assert any(label == "Status" and yours == "New" for label, _theirs, yours in rows), rows
    assert "Comments" not in [label for label, *_ in rows]  # only what the other person changed
    assert _form(html)["version"] == "2" and 'value="My title"' in html  # nothing typed is lost
    assert api.get(f"/leads/{lead['id']}").json["title"] == "Their title"  # nor overwritten
    form["version"] = "2"
    assert client.post(f"/leads/{lead['id']}/edit", data=form).status_code == 302  # knowingly
    assert api.get(f"/leads/{lead['id']}").json["comments"] == "mine"


def test_the_openapi_document_declares_etag_if_match_and_412(client, api):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/leads/{record_id}", "/deals/{record_id}", "/tasks/{task_id}"):
        item = doc["paths"][path]
        assert "ETag" in item["get"]["responses"]["200"]["headers"]
        assert "ETag" in item["patch"]["responses"]["200"]["headers"]
        for method in ("patch", "delete"):
            assert "If-Match" in [p["name"] for p in item[method]["parameters"] if p["in"] == "header"]
            assert item[method]["responses"]["412"] == {"$ref": "#/components/responses/PreconditionFailed"}
    lead = _lead(api)
    api.patch(f"/leads/{lead['id']}", {"title": "New"})
    body = api.patch(f"/leads/{lead['id']}", {"title": "Old"}, headers={"If-Match": '"1"'}).json
    schema = doc["components"]["schemas"]["VersionMismatch"]
    assert set(body) == set(schema["required"]) and isinstance(body["current_version"], int)


def test_a_lost_race_outside_the_services_is_409_not_500(api, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from crm.services import records

    def stale(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'lead' expected to update 1 row(s); 0 were matched.")

    lead = _lead(api)
    monkeypatch.setattr(records, "update_record", stale)
    r = api.patch(f"/leads/{lead['id']}", {"title": "X"})
    assert r.status_code == 409 and "someone else" in r.json["error"]


def test_stale_task_form_is_409_showing_the_other_change(client, admin, api):
    lead = _lead(api)
    task = api.post("/tasks", {"title": "Call", "description": "Ask",
                               "links": [{"entity": "lead", "id": lead["id"]}]}).json
    login(client, admin.email)
    form = _form(client.get(f"/tasks/{task['id']}/edit").get_data(as_text=True))
    assert form["version"] == "1"
    assert api.patch(f"/tasks/{task['id']}", {"title": "Call today"}).json["version"] == 2
    form.update(description="Ask about the budget")
    r = client.post(f"/tasks/{task['id']}/edit", data=form)
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert 'class="fd-theirs">Call today</td><td class="fd-yours">Call</td>' in html
    assert "Ask about the budget" in html and _form(html)["version"] == "2"
    assert api.get(f"/tasks/{task['id']}").json["description"] == "Ask"  # nothing overwritten
