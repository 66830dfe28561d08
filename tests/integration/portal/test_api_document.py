"""Every portal endpoint answers what the OpenAPI document says (bodies, answers, error codes)."""
from __future__ import annotations

import pytest

from extensions import db
from tests.integration.test_openapi import DocClient
from web.api.portal_docs import _group_paths, _people_paths


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json


def _people(c: DocClient, member_c: DocClient, member) -> None:
    invited = c.call("post", "/invitations", {"emails": ["ivy@example.com", "jon@example.com"]}).json["items"]
    assert c.call("post", "/invitations", {"emails": ["nope"]}).status_code == 422
    c.call("get", "/invitations")
    c.call("get", "/invitations", query="?state=pending")
    c.call("post", "/invitations/{invitation_id}/resend", invitation_id=invited[0]["id"])
    c.call("delete", "/invitations/{invitation_id}", invitation_id=invited[0]["id"])
    assert c.call("delete", "/invitations/{invitation_id}", invitation_id=invited[0]["id"]).status_code == 409
    assert member_c.call("post", "/invitations/{invitation_id}/resend",
                         invitation_id=invited[1]["id"]).status_code == 403
    c.call("post", "/users/{user_id}/admin-rights", user_id=member.id)
    c.call("delete", "/users/{user_id}/admin-rights", user_id=member.id)
    c.call("post", "/users/{user_id}/dismiss", user_id=member.id)
    assert c.call("post", "/users/{user_id}/dismiss", user_id=member.id).status_code == 409
    c.call("post", "/users/{user_id}/hire", user_id=member.id)
    c.call("post", "/users", {"email": "kai@example.com", "first_name": "Kai", "password_link": True})
    c.call("get", "/users", query="?state=pending&q=jon")
    c.call("get", "/me")
    assert c.call("post", "/me/admin-mode", {"on": "yes"}).status_code == 422
    c.call("post", "/me/admin-mode", {"on": True})


def _groups(c: DocClient, member_c: DocClient, member, other) -> None:
    group = c.call("post", "/workgroups", {"name": "Docs", "description": None,
                                           "invite_policy": "all_members"}).json
    gid = group["id"]
    c.call("get", "/workgroups")
    c.call("get", "/workgroups", query="?mine=true")
    c.call("get", "/workgroups/{workgroup_id}", workgroup_id=gid)
    c.call("patch", "/workgroups/{workgroup_id}", {"name": "Docs team"}, workgroup_id=gid)
    invites = c.call("post", "/workgroups/{workgroup_id}/invitations", {"user_ids": [member.id, other.id]},
                     workgroup_id=gid).json["items"]
    c.call("get", "/workgroups/{workgroup_id}/invitations", workgroup_id=gid)
    member_c.call("get", "/me/workgroup-invitations")
    member_c.call("post", "/workgroups/{workgroup_id}/invitations/{invitation_id}/accept",
                  workgroup_id=gid, invitation_id=invites[0]["id"])
    c.call("delete", "/workgroups/{workgroup_id}/invitations/{invitation_id}", workgroup_id=gid,
           invitation_id=invites[1]["id"])
    assert member_c.call("post", "/workgroups/{workgroup_id}/invitations/{invitation_id}/decline",
                         workgroup_id=gid, invitation_id=invites[1]["id"]).status_code == 403
    c.call("put", "/workgroups/{workgroup_id}/moderators/{user_id}", workgroup_id=gid, user_id=member.id)
    c.call("get", "/workgroups/{workgroup_id}/moderators", workgroup_id=gid)
    c.call("delete", "/workgroups/{workgroup_id}/moderators/{user_id}", workgroup_id=gid, user_id=member.id)
    c.call("get", "/workgroups/{workgroup_id}/members", workgroup_id=gid)
    assert member_c.call("delete", "/workgroups/{workgroup_id}", workgroup_id=gid).status_code == 403
    c.call("delete", "/workgroups/{workgroup_id}/members/{user_id}", workgroup_id=gid, user_id=member.id)
    c.call("delete", "/workgroups/{workgroup_id}", workgroup_id=gid)


def test_portal_endpoints_answer_what_the_document_says(api, api_for, doc, member, other, admin):
    c = DocClient(api, doc)
    member_c = DocClient(api_for(member), doc)
    _people(c, member_c, member)
    newest = DocClient(api_for(db.session.get(type(member), member.id)), doc)  # dismissal revoked the first
    _groups(c, newest, member, other)
    third = api.post("/workgroups", {"name": "Decline me"}).json["id"]
    inv = api.post(f"/workgroups/{third}/invitations", {"user_ids": [member.id]}).json["items"][0]
    newest.call("post", "/workgroups/{workgroup_id}/invitations/{invitation_id}/decline",
                workgroup_id=third, invitation_id=inv["id"])
    c.call("post", "/users/{user_id}/admin-rights/transfer", user_id=other.id)
    paths = {**_people_paths(), **_group_paths()}
    documented = {(path, method) for path, item in paths.items() for method in item}
    assert documented - (c.used | member_c.used | newest.used) == set(), "operations this test never called"
