"""Admin mode: administrators work as ordinary users until they switch it on (session or token)."""
from __future__ import annotations

from crm.services.records import create_record
from extensions import db
from org.admin import NEEDS_MODE
from tests.integration.portal.helpers import admin_mode, login


def test_a_token_works_as_an_ordinary_user_until_admin_mode_is_on(plain_admin_api, api_for, admin, member):
    api = plain_admin_api
    assert api.get("/me").json["admin_mode"] is False
    r = api.post("/departments", {"name": "Sales"})
    assert r.status_code == 403 and r.json["error"] == NEEDS_MODE
    assert api.post(f"/users/{member.id}/dismiss").status_code == 403
    assert api.post(f"/users/{member.id}/admin-rights").status_code == 403
    assert api.get("/inbox?scope=all").status_code == 403

    assert api.post("/me/admin-mode", {"on": True}).json == {"admin_mode": True}
    assert api.get("/me").json["admin_mode"] is True
    assert api.post("/departments", {"name": "Sales"}).status_code == 201
    assert api.get("/inbox?scope=all").status_code == 200
    # It holds for this token only: another token of the same administrator is still off.
    second = api_for(admin, admin_mode=False)
    assert second.get("/me").json["admin_mode"] is False
    assert second.post("/departments", {"name": "Support"}).status_code == 403

    assert api.post("/me/admin-mode", {"on": False}).json == {"admin_mode": False}
    assert api.post("/departments", {"name": "Support"}).status_code == 403


def test_admin_mode_body_is_checked_and_kept_for_administrators(plain_admin_api, member_api):
    r = plain_admin_api.post("/me/admin-mode", {"on": "yes", "x": 1})
    assert r.status_code == 422 and set(r.json["fields"]) == {"on", "x"}
    r = member_api.post("/me/admin-mode", {"on": True})
    assert r.status_code == 403 and r.json["error"] == "Only administrators have an admin mode"
    assert member_api.post("/me/admin-mode", {"on": False}).json == {"admin_mode": False}


def test_crm_full_rights_need_admin_mode(plain_admin_api, admin, member):
    """Without admin mode an administrator has the rights of their roles (the default: own records)."""
    theirs = create_record("lead", {"title": "Mia's lead", "responsible_id": member.id}, actor=member)
    mine = create_record("lead", {"title": "Ada's lead", "responsible_id": admin.id}, actor=admin)
    api = plain_admin_api
    assert [r["id"] for r in api.get("/leads").json["items"]] == [mine.id]
    assert api.get(f"/leads/{theirs.id}").status_code == 404
    api.post("/me/admin-mode", {"on": True})
    assert {r["id"] for r in api.get("/leads").json["items"]} == {mine.id, theirs.id}
    assert api.patch(f"/leads/{theirs.id}", {"title": "Fixed"}).status_code == 200


def test_session_admin_mode_shows_a_banner_and_ends_with_the_session(client, admin, member):
    login(client, admin)
    page = client.get("/company/employees").get_data(as_text=True)
    assert 'id="admin-mode-switch"' in page and "Switch admin mode on" in page
    assert 'id="admin-mode-banner"' not in page and 'id="add-employee"' not in page
    r = client.get("/company/employees/new")
    assert r.status_code == 403 and "Switch admin mode on" in r.get_data(as_text=True)

    assert admin_mode(client).status_code == 302
    page = client.get("/company/employees").get_data(as_text=True)
    assert 'id="admin-mode-banner"' in page and 'id="add-employee"' in page
    assert "Switch admin mode off" in page
    assert client.get("/company/employees/new").status_code == 200

    client.post("/logout")
    login(client, admin)
    assert 'id="admin-mode-banner"' not in client.get("/").get_data(as_text=True)
    assert client.get("/company/employees/new").status_code == 403

    admin_mode(client)
    assert admin_mode(client, on=False).status_code == 302
    assert client.get("/company/employees/new").status_code == 403


def test_session_admin_mode_is_for_administrators_and_their_session_only(client, app, admin, member):
    login(client, member)
    assert admin_mode(client).status_code == 403
    page = client.get("/").get_data(as_text=True)
    assert 'id="admin-mode-switch"' not in page and 'id="admin-mode-banner"' not in page
    # Another browser of the same administrator is not in admin mode.
    other_browser = app.test_client()
    login(client, admin)
    admin_mode(client)
    login(other_browser, admin)
    assert other_browser.get("/company/employees/new").status_code == 403
    assert client.get("/company/employees/new").status_code == 200
    # Logging in as someone else in the same browser starts with admin mode off.
    db.session.get(type(member), member.id).is_admin = True
    db.session.commit()
    client.post("/logout")
    login(client, member)
    assert client.get("/company/employees/new").status_code == 403


def test_outside_a_request_administrators_act_as_operators(admin, member):
    """CLI commands, workers and scripts have no session to switch: administrators keep their rights."""
    from org import admin as rules

    assert rules.acts_as_admin(admin) and not rules.acts_as_admin(member)
    rules.enter_request(admin.id, False)  # as the web layer does for a request
    try:
        assert not rules.acts_as_admin(admin) and rules.has_admin_rights(admin)
        with rules.as_operator():
            assert rules.acts_as_admin(admin)
        rules.enter_request(admin.id, True)
        assert rules.acts_as_admin(admin) and rules.admin_mode_on(admin)
        rules.enter_request(member.id, True)  # someone else's request
        assert not rules.acts_as_admin(admin)
    finally:
        rules.leave_request()
    assert rules.acts_as_admin(admin) and rules.acts_as_admin(None)
