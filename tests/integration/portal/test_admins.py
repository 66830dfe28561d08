"""Administrator rights: the first account, grant, revoke, pass on; never without an active one."""
from __future__ import annotations

from extensions import db
from org.models import ApiToken, User
from tests.integration.portal.helpers import admin_mode, login


def test_the_first_account_is_the_portal_administrator(client):
    r = client.post("/setup", data={"email": "first@example.com", "password": "Quiet-bay-42"})
    assert r.status_code == 302
    first = db.session.scalar(db.select(User).where(User.email == "first@example.com"))
    assert first.is_admin and first.active
    r = client.post("/setup", data={"email": "second@example.com", "password": "Quiet-bay-42"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert db.session.scalar(db.select(User).where(User.email == "second@example.com")) is None


def test_administrators_grant_revoke_and_pass_the_role_on(api, admin, member, other, api_for):
    r = api.post(f"/users/{member.id}/admin-rights")
    assert r.status_code == 200 and r.json["is_admin"] is True
    r = api.delete(f"/users/{member.id}/admin-rights")
    assert r.status_code == 200 and r.json["is_admin"] is False
    # Passing the role on: the other person gets it, the caller gives theirs up.
    r = api.post(f"/users/{other.id}/admin-rights/transfer")
    assert r.status_code == 200 and r.json["is_admin"] is True
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is False
    assert api.post(f"/users/{member.id}/admin-rights").status_code == 403  # no longer an administrator
    assert api.get("/me").json["admin_mode"] is False
    assert api_for(db.session.get(User, other.id)).post(f"/users/{member.id}/admin-rights").status_code == 200


def test_the_last_active_administrator_keeps_the_role(api, admin, member):
    for call in (lambda: api.delete(f"/users/{admin.id}/admin-rights"),
                 lambda: api.post(f"/users/{admin.id}/dismiss")):
        r = call()
        assert r.status_code == 409, r.json
        assert "last active administrator" in r.json["error"]
    r = api.patch(f"/users/{admin.id}", {"is_admin": False})
    assert r.status_code == 422 and "last administrator" in r.json["fields"]["is_admin"]
    assert api.post(f"/users/{admin.id}/admin-rights/transfer").status_code == 409  # not to oneself
    # A dismissed administrator does not count as the one left.
    api.post(f"/users/{member.id}/admin-rights")
    assert api.post(f"/users/{member.id}/dismiss").status_code == 200
    r = api.delete(f"/users/{admin.id}/admin-rights")
    assert r.status_code == 409 and "last active administrator" in r.json["error"]
    # With a second active administrator, the first may go.
    api.post(f"/users/{member.id}/hire")
    assert api.post(f"/users/{member.id}/admin-rights").status_code == 200
    assert api.delete(f"/users/{admin.id}/admin-rights").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is False


def test_non_administrators_are_refused_with_the_reason(member_api, member, other, admin):
    calls = [("post", f"/users/{other.id}/admin-rights"), ("delete", f"/users/{admin.id}/admin-rights"),
             ("post", f"/users/{other.id}/admin-rights/transfer"), ("post", f"/users/{other.id}/dismiss"),
             ("post", f"/users/{other.id}/hire"), ("post", "/me/admin-mode")]
    for method, path in calls:
        body = {"on": True} if path.endswith("admin-mode") else None
        r = member_api.call(method.upper(), path, json=body)
        assert r.status_code == 403, (path, r.json)
        assert "administrator" in r.json["error"].lower(), (path, r.json)
    assert db.session.get(User, other.id).is_admin is False and db.session.get(User, other.id).active


def test_revoking_rights_ends_admin_mode_on_their_tokens(api, api_for, member):
    api.post(f"/users/{member.id}/admin-rights")
    member_api = api_for(db.session.get(User, member.id), admin_mode=False)
    assert member_api.post("/me/admin-mode", {"on": True}).json == {"admin_mode": True}
    assert api.delete(f"/users/{member.id}/admin-rights").status_code == 200
    assert db.session.scalar(db.select(ApiToken.admin_mode).where(ApiToken.user_id == member.id)) is False
    r = member_api.get("/me")
    assert r.json["is_admin"] is False and r.json["admin_mode"] is False


def test_grant_and_revoke_from_the_profile_page(client, admin, member):
    login(client, admin)
    page = client.get(f"/company/employees/{member.id}").get_data(as_text=True)
    assert 'id="grant-admin"' not in page  # admin mode is off: no administrative controls
    assert client.post(f"/company/employees/{member.id}/admin-rights").status_code == 403
    admin_mode(client)
    page = client.get(f"/company/employees/{member.id}").get_data(as_text=True)
    assert 'id="grant-admin"' in page and 'id="dismiss"' in page
    assert client.post(f"/company/employees/{member.id}/admin-rights").status_code == 302
    assert db.session.get(User, member.id).is_admin is True
    r = client.post(f"/company/employees/{admin.id}/admin-rights/revoke")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is False
