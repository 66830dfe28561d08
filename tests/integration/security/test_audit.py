"""The audit log: an entry for each kind of change, read by administrators in admin mode only,
filtered and paged, and kept append-only by the database."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from extensions import db
from org import audit
from org.audit import AuditEntry
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import deploy, drive, only_instance


def entries(api, **query: str) -> list[dict]:
    resp = api.get("/audit", query_string=query)
    assert resp.status_code == 200, resp.json
    return resp.json["items"]


def actions(api, **query: str) -> list[str]:
    return [e["action"] for e in reversed(entries(api, limit="200", **query))]


def test_role_and_rights_changes_are_audited(api, admin, make_user):
    user = make_user()
    role = api.post("/roles", {"name": "Auditor"}).json
    api.patch(f"/roles/{role['id']}", {"matrix": {"lead": {"read": "own"}}})
    assignment = api.post(f"/roles/{role['id']}/assignments", {"user_id": user.id}).json
    api.delete(f"/roles/{role['id']}/assignments/{assignment['id']}")
    api.delete(f"/roles/{role['id']}")
    assert actions(api, action="role") == ["role.create", "role.update", "role.assign", "role.unassign",
                                           "role.delete"]
    update_entry = entries(api, action="role.update")[0]
    assert update_entry["actor"] == admin.email and update_entry["actor_id"] == admin.id
    assert update_entry["address"] == "127.0.0.1" and update_entry["target"] == f"role {role['id']}"
    assert update_entry["details"]["given"] == {"matrix": {"lead": {"read": "own"}}}


def test_users_administrators_and_settings_are_audited(api, admin):
    created = api.post("/users", {"email": "new.one@example.com", "first_name": "New",
                                  "password": "Quiet-bay-42"}).json
    api.patch(f"/users/{created['id']}", {"position": "Clerk", "password": "Other-cove-77"})
    api.post(f"/users/{created['id']}/admin-rights")
    api.delete(f"/users/{created['id']}/admin-rights")
    api.post(f"/users/{created['id']}/dismiss")
    api.post(f"/users/{created['id']}/hire")
    assert api.post("/invitations", {"emails": ["ivy@example.com"]}).status_code == 201
    api.put("/settings/network", {"allowed_private_hosts": ["10.0.0.0/8"]})
    api.put("/settings/security", {"require_2fa_for_admins": False})
    smtp_answer = api.put("/settings/smtp", {"host": "", "user": "mailer", "password": "Secret-9"})
    assert smtp_answer.status_code == 200
    assert actions(api, actor=admin.email) == [
        "user.create", "user.update", "admin.grant", "admin.revoke", "user.dismiss", "user.hire",
        "user.invite", "setting.change", "setting.change", "setting.change"]
    smtp = entries(api, action="setting.change")[0]
    assert smtp["target"] == "smtp" and smtp["details"]["password_enc"] == "changed"
    assert "Secret-9" not in str(smtp)
    changed = entries(api, action="user.update")[0]["details"]["given"]
    assert changed == {"position": "Clerk", "password": "changed"}  # never the password itself
    network = entries(api, action="setting.change")[2]
    assert network["target"] == "network" and network["details"]["after"] == {
        "allowed_private_hosts": ["10.0.0.0/8"]}


def test_processes_and_exports_are_audited(api, admin, make_user):
    version = deploy(api, review_lead())
    api.post(f"/processes/{version['key']}/deactivate")
    api.post(f"/processes/{version['key']}/activate")
    api.post("/leads", {"title": "Audited lead", "responsible_id": make_user().id})
    drive()
    instance = only_instance()
    assert api.post(f"/process-instances/{instance.id}/terminate").status_code == 200
    assert api.get("/leads/export?format=csv").status_code == 200
    assert actions(api, actor=admin.email) == ["process.deploy", "process.deactivate", "process.activate",
                            "process.terminate", "data.export"]
    deployed = entries(api, action="process.deploy")[0]
    assert deployed["target"] == f"process {version['key']}" and deployed["details"]["version"] == 1
    assert entries(api, action="data.export")[0]["target"] == "lead"


def test_only_administrators_in_admin_mode_read_the_log(api, api_for, admin, make_user, client):
    assert api_for(make_user()).get("/audit").status_code == 403
    assert api_for(admin, admin_mode=False).get("/audit").status_code == 403
    client.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"})
    assert client.get("/settings/audit").status_code == 403
    client.post("/admin-mode", data={"on": "1"})
    api.put("/settings/security", {"require_2fa_for_admins": False})
    page = client.get("/settings/audit?action=setting.change")
    assert page.status_code == 200 and "setting.change" in page.get_data(as_text=True)


def test_filters_and_pages(api, admin, make_user):
    for _ in range(3):
        make_user()  # as the operator (no request): not by the admin
    api.put("/settings/security", {"require_2fa_for_admins": False})
    assert [e["actor"] for e in entries(api, actor=admin.email)] == [admin.email]
    assert len(entries(api, actor=str(admin.id))) == 1
    assert len(entries(api, action="user.create")) == 4  # the admin fixture's account too
    first = api.get("/audit", query_string={"limit": "3"}).json
    second = api.get("/audit", query_string={"limit": "3", "cursor": first["next"]}).json
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next"] is None
    assert first["items"][0]["id"] > first["items"][2]["id"] > second["items"][0]["id"]
    assert entries(api, **{"from": "2999-01-01"}) == [] and len(entries(api, to="2999-01-01")) == 5
    bad = api.get("/audit", query_string={"from": "yesterday", "action": "nope.nope"})
    assert bad.status_code == 422 and set(bad.json["fields"]) == {"from", "action"}
    assert api.get("/audit", query_string={"cursor": "x"}).status_code == 422


def test_the_database_refuses_to_change_or_delete_entries(app):
    from transactions import unit_of_work

    with unit_of_work():
        audit.record("setting.change", "network", {"after": {}})
    entry_id = db.session.scalar(db.select(AuditEntry.id))
    for statement in (update(AuditEntry).values(action="data.export"), delete(AuditEntry),
                      text("UPDATE audit_entry SET actor = 'someone else'")):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEntry, entry_id).action == "setting.change"
    with pytest.raises(ValueError, match="Undeclared audit action"):
        audit.record("made.up", "x")
