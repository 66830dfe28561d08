"""Rights on every change: the new status or stage, the new responsible, references that must be
readable; search snippets never show the title of a record the reader may not read."""
from __future__ import annotations

from crm.events import relay_pending
from crm.models import Deal, Lead
from extensions import db
from tests.integration.portal.helpers import login
from tests.support.access_world import assign, build_world, make_person


def _role(api, name: str, matrix: dict, status_levels: dict | None = None) -> int:
    r = api.post("/roles", {"name": name, "matrix": matrix, "status_levels": status_levels or {}})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_an_edit_checks_the_right_on_the_new_status_and_stage(api, api_for, client, make_user):
    role = _role(api, "No closing", {"lead": {"read": "own", "edit": "own", "add": "own"},
                                     "deal": {"read": "own", "edit": "own", "add": "own"}},
                 {"lead": {"edit": {"CONVERTED": "none"}}, "deal": {"edit": {"WON": "none"}}})
    user = make_user()
    assign(api, role, user_id=user.id)
    me = api_for(user)
    lead = me.post("/leads", {"title": "Hot"}).json["id"]
    deal = me.post("/deals", {"title": "Big", "stage": "NEW"}).json["id"]
    r = me.patch(f"/leads/{lead}", {"status": "CONVERTED"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: edit lead (status CONVERTED)"
    r = me.patch(f"/deals/{deal}", {"stage": "WON"})
    assert r.status_code == 403 and r.json["error"] == "Missing right: edit deal (status WON)"
    assert me.patch(f"/deals/{deal}", {"stage": "PROPOSAL"}).status_code == 200
    login(client, user)
    page = client.post(f"/deals/{deal}/status", data={"value": "WON"})
    assert page.status_code == 403
    db.session.expire_all()
    assert db.session.get(Lead, lead).status != "CONVERTED" and db.session.get(Deal, deal).stage == "PROPOSAL"


def test_a_manager_cannot_hand_a_record_to_someone_outside_their_scope(api, api_for):
    world = build_world(api)
    manager = world.users["manager_a"]  # default role Manager: own records only
    me = api_for(manager)
    lead = me.post("/leads", {"title": "Mine"}).json["id"]
    outsider = world.users["manager_b"]
    r = me.patch(f"/leads/{lead}", {"responsible_id": outsider.id})
    assert r.status_code == 403 and r.json["error"].startswith("Missing right: edit lead")
    db.session.expire_all()
    assert db.session.get(Lead, lead).responsible_id == manager.id
    r = me.post("/leads", {"title": "For someone else", "responsible_id": outsider.id})
    assert r.status_code == 403


def test_references_must_point_at_records_the_user_may_read(api, api_for):
    hidden = api.post("/companies", {"title": "Secret Holdings"}).json["id"]
    user = make_person("writer", None)
    assign(api, _role(api, "Contacts only", {"contact": {"read": "own", "add": "own", "edit": "own"},
                                             "company": {"read": "own", "add": "own"}}), user_id=user.id)
    me = api_for(user)
    assert me.get(f"/companies/{hidden}").status_code == 404
    r = me.post("/contacts", {"first_name": "Ann", "last_name": "Lee", "company_id": hidden})
    assert r.status_code == 422 and r.json["fields"] == {"company_id": f"No company {hidden}"}
    mine = me.post("/companies", {"title": "Mine Ltd"}).json["id"]
    contact = me.post("/contacts", {"first_name": "Ann", "last_name": "Lee", "company_id": mine}).json["id"]
    r = me.patch(f"/contacts/{contact}", {"company_id": hidden})
    assert r.status_code == 422 and r.json["fields"] == {"company_id": f"No company {hidden}"}
    assert me.patch(f"/contacts/{contact}", {"last_name": "Lee-Smith"}).status_code == 200


def test_search_snippets_never_show_a_company_the_reader_may_not_read(api, api_for):
    user = make_person("reader", None)
    assign(api, _role(api, "Contacts only", {"contact": {"read": "own"}, "company": {"read": "own"}}),
           user_id=user.id)
    secret = api.post("/companies", {"title": "Zanzibar Secret Holdings"}).json["id"]
    # Written by someone who may read both (or before references were checked): it must stay safe.
    r = api.post("/contacts", {"first_name": "Ann", "last_name": "Zanzibar", "company_id": secret,
                               "responsible_id": user.id})
    assert r.status_code == 201, r.json
    while relay_pending():
        pass
    hits = api_for(user).get("/search?q=zanzibar").json["items"]
    assert [h["entity"] for h in hits] == ["contact"]
    assert all("Secret" not in h["snippet"] and "Holdings" not in h["snippet"] for h in hits)
    admin_hits = api.get("/search?q=zanzibar").json["items"]
    contact_hit = next(h for h in admin_hits if h["entity"] == "contact")
    assert "Secret Holdings" in contact_hit["snippet"]  # the index still holds it for those who may read
