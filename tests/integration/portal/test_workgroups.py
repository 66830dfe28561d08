"""Workgroups: owner, moderators, members, invitations, who may do what; roles and inbox groups."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from crm.rights.models import Role
from crm.services.records import create_record
from engine.inbox import sync_human_tasks
from engine.models import HumanTask
from extensions import db
from org.workgroups import WorkgroupMember
from tests.support.engine_rows import make_instance
from transactions import unit_of_work


@pytest.fixture
def people(make_user, api_for):
    """owner, moderator, member (all in the group), outsider; each with an API client."""
    users = {name: make_user(f"{name}@example.com", first_name=name.title(), last_name="Tester")
             for name in ("owner", "moderator", "member", "outsider", "newcomer")}
    return {name: (user, api_for(user)) for name, user in users.items()}


@pytest.fixture
def group(people):
    """A workgroup created by `owner`, with `moderator` (a moderator) and `member` in it."""
    owner_api = people["owner"][1]
    r = owner_api.post("/workgroups", {"name": "Launch team", "description": "Spring launch"})
    assert r.status_code == 201, r.json
    gid = r.json["id"]
    for name in ("moderator", "member"):
        inv = owner_api.post(f"/workgroups/{gid}/invitations", {"user_ids": [people[name][0].id]}).json
        accept = f"/workgroups/{gid}/invitations/{inv['items'][0]['id']}/accept"
        assert people[name][1].post(accept).status_code == 200
    assert owner_api.put(f"/workgroups/{gid}/moderators/{people['moderator'][0].id}").status_code == 200
    return gid


def test_anyone_creates_one_and_owns_it(people):
    user, api = people["outsider"]
    r = api.post("/workgroups", {"name": "  Book club ", "invite_policy": "all_members"})
    assert r.status_code == 201
    assert (r.json["name"], r.json["owner_id"], r.json["my_role"]) == ("Book club", user.id, "owner")
    assert [m["user_id"] for m in r.json["members"]] == [user.id] and r.json["members"][0]["is_owner"]
    assert r.json["can"] == {"edit": True, "manage": True, "invite": True}
    assert api.get("/workgroups?mine=true").json["items"][0]["id"] == r.json["id"]
    assert people["member"][1].get("/workgroups?mine=true").json["items"] == []
    assert len(people["member"][1].get("/workgroups").json["items"]) == 1
    for body, field in (({"name": ""}, "name"), ({"name": "X", "invite_policy": "anyone"}, "invite_policy"),
                        ({"name": "X", "owner_id": 1}, "owner_id"), ({"name": 5}, "name")):
        r = api.post("/workgroups", body)
        assert r.status_code == 422 and field in r.json["fields"], (body, r.json)


def test_invitations_are_accepted_or_declined_by_the_invited_person(people, group):
    owner_api = people["owner"][1]
    newcomer, newcomer_api = people["newcomer"]
    inv = owner_api.post(f"/workgroups/{group}/invitations", {"user_ids": [newcomer.id]}).json["items"][0]
    assert [i["id"] for i in newcomer_api.get("/me/workgroup-invitations").json["items"]] == [inv["id"]]
    r = people["member"][1].post(f"/workgroups/{group}/invitations/{inv['id']}/accept")
    assert r.status_code == 403
    assert r.json["error"] == "Only the invited person can accept or decline an invitation"
    r = owner_api.post(f"/workgroups/{group}/invitations",
                       {"user_ids": [newcomer.id, people["member"][0].id]})
    assert r.status_code == 422 and set(r.json["fields"]) == {"user_ids[0]", "user_ids[1]"}
    r = newcomer_api.post(f"/workgroups/{group}/invitations/{inv['id']}/decline")
    assert r.json["state"] == "declined"
    members = owner_api.get(f"/workgroups/{group}/members").json["items"]
    assert newcomer.id not in [m["user_id"] for m in members]
    r = newcomer_api.post(f"/workgroups/{group}/invitations/{inv['id']}/accept")
    assert r.status_code == 409 and "declined" in r.json["error"]
    again = owner_api.post(f"/workgroups/{group}/invitations", {"user_ids": [newcomer.id]}).json["items"][0]
    r = newcomer_api.post(f"/workgroups/{group}/invitations/{again['id']}/accept")
    assert r.json["state"] == "accepted"
    assert newcomer.id in [m["user_id"] for m in owner_api.get(f"/workgroups/{group}/members").json["items"]]
    states = {i["state"] for i in owner_api.get(f"/workgroups/{group}/invitations?state=all").json["items"]}
    assert {"declined", "accepted"} <= states


def test_the_invite_policy_decides_who_invites(people, group, api, plain_admin_api):
    owner_api, moderator_api, member_api = (people[n][1] for n in ("owner", "moderator", "member"))
    target = [people["newcomer"][0].id]
    owner_api.patch(f"/workgroups/{group}", {"invite_policy": "owner"})
    for someone, who in ((moderator_api, "the owner"), (member_api, "the owner"),
                         (people["outsider"][1], "the owner"), (plain_admin_api, "the owner")):
        r = someone.post(f"/workgroups/{group}/invitations", {"user_ids": target})
        assert r.status_code == 403 and r.json["error"] == f"In this workgroup only {who} can invite people"
    owner_api.patch(f"/workgroups/{group}", {"invite_policy": "owner_and_moderators"})
    r = member_api.post(f"/workgroups/{group}/invitations", {"user_ids": target})
    assert r.status_code == 403 and "the owner and moderators" in r.json["error"]
    first = moderator_api.post(f"/workgroups/{group}/invitations", {"user_ids": target})
    assert first.status_code == 201
    moderator_api.delete(f"/workgroups/{group}/invitations/{first.json['items'][0]['id']}")
    owner_api.patch(f"/workgroups/{group}", {"invite_policy": "all_members"})
    assert member_api.post(f"/workgroups/{group}/invitations", {"user_ids": target}).status_code == 201
    r = people["outsider"][1].post(f"/workgroups/{group}/invitations", {"user_ids": target})
    assert r.status_code == 403 and r.json["error"] == "In this workgroup only members can invite people"
    owner_api.patch(f"/workgroups/{group}", {"invite_policy": "owner"})
    r = api.post(f"/workgroups/{group}/invitations", {"user_ids": [people["outsider"][0].id]})
    assert r.status_code == 201  # administrators in admin mode always may


def test_invitations_are_revoked_by_the_inviter_or_an_administrator(people, group, api, plain_admin_api):
    owner_api, moderator_api = people["owner"][1], people["moderator"][1]
    inv = moderator_api.post(f"/workgroups/{group}/invitations",
                             {"user_ids": [people["newcomer"][0].id]}).json["items"][0]
    for someone in (owner_api, people["member"][1], plain_admin_api):
        r = someone.delete(f"/workgroups/{group}/invitations/{inv['id']}")
        assert r.status_code == 403
        assert r.json["error"] == "Only an administrator or the person who sent the invitation can revoke it"
    assert moderator_api.delete(f"/workgroups/{group}/invitations/{inv['id']}").json["state"] == "revoked"
    r = people["newcomer"][1].post(f"/workgroups/{group}/invitations/{inv['id']}/accept")
    assert r.status_code == 409
    second = moderator_api.post(f"/workgroups/{group}/invitations",
                                {"user_ids": [people["newcomer"][0].id]}).json["items"][0]
    assert api.delete(f"/workgroups/{group}/invitations/{second['id']}").json["state"] == "revoked"
    assert api.delete(f"/workgroups/{group}/invitations/{second['id']}").status_code == 409


def test_editing_moderators_members_and_deleting(people, group, api, plain_admin_api):
    owner, owner_api = people["owner"]
    moderator, moderator_api = people["moderator"]
    member, member_api = people["member"]
    # Edit: administrators, the owner, moderators; not members.
    assert moderator_api.patch(f"/workgroups/{group}", {"description": "By the moderator"}).status_code == 200
    for someone in (member_api, people["outsider"][1], plain_admin_api):
        r = someone.patch(f"/workgroups/{group}", {"name": "Hijacked"})
        assert r.status_code == 403
        assert r.json["error"] == "Only an administrator, the owner or a moderator can change the workgroup"
    assert api.patch(f"/workgroups/{group}", {"name": "Launch squad"}).json["name"] == "Launch squad"
    # Moderators are chosen by the owner or an administrator.
    for someone in (moderator_api, member_api, plain_admin_api):
        r = someone.put(f"/workgroups/{group}/moderators/{member.id}")
        assert r.status_code == 403
        assert r.json["error"] == "Only an administrator or the owner can choose moderators"
    assert api.put(f"/workgroups/{group}/moderators/{member.id}").json["is_moderator"] is True
    assert owner_api.delete(f"/workgroups/{group}/moderators/{member.id}").status_code == 204
    moderators = owner_api.get(f"/workgroups/{group}/moderators").json["items"]
    assert [m["user_id"] for m in moderators] == [moderator.id]
    r = moderator_api.patch(f"/workgroups/{group}", {"owner_id": moderator.id})
    assert r.status_code == 403 and "pass the ownership on" in r.json["error"]
    # Members are removed by the owner or an administrator; anyone but the owner may leave.
    for someone in (moderator_api, plain_admin_api):
        r = someone.delete(f"/workgroups/{group}/members/{member.id}")
        assert r.status_code == 403
        assert r.json["error"] == "Only an administrator or the owner can remove members"
    assert owner_api.delete(f"/workgroups/{group}/members/{member.id}").status_code == 204
    r = owner_api.delete(f"/workgroups/{group}/members/{owner.id}")
    assert r.status_code == 409 and "pass the ownership on" in r.json["error"]
    assert owner_api.delete(f"/workgroups/{group}/members/{member.id}").status_code == 404
    # Ownership passes to a member; then the old owner may leave.
    assert owner_api.patch(f"/workgroups/{group}", {"owner_id": people["outsider"][0].id}).status_code == 422
    r = owner_api.patch(f"/workgroups/{group}", {"owner_id": moderator.id})
    assert r.json["owner_id"] == moderator.id
    assert owner_api.delete(f"/workgroups/{group}/members/{owner.id}").status_code == 204
    # The group is deleted by the owner or an administrator.
    for someone in (owner_api, plain_admin_api, member_api):
        r = someone.delete(f"/workgroups/{group}")
        assert r.status_code == 403
        assert r.json["error"] == "Only an administrator or the owner can delete the workgroup"
    assert api.delete(f"/workgroups/{group}").status_code == 204
    assert api.get(f"/workgroups/{group}").status_code == 404
    other = moderator_api.post("/workgroups", {"name": "Second"}).json["id"]
    assert moderator_api.delete(f"/workgroups/{other}").status_code == 204


def test_a_workgroup_holds_roles(people, group, api):
    """A role assigned to the workgroup reaches its members (and stops when they leave)."""
    member, member_api = people["member"]
    outsider = people["outsider"][0]
    with unit_of_work():
        lead = create_record("lead", {"title": "Outsider's lead", "responsible_id": outsider.id},
                             actor=outsider)
    assert member_api.get(f"/leads/{lead.id}").status_code == 404
    chief = db.session.scalar(select(Role).where(Role.key == "chief_executive"))
    r = api.post(f"/roles/{chief.id}/assignments", {"workgroup_id": group})
    assert r.status_code == 201, r.json
    assert member_api.get(f"/leads/{lead.id}").status_code == 200
    assert member_api.delete(f"/workgroups/{group}/members/{member.id}").status_code == 204  # leaves
    assert member_api.get(f"/leads/{lead.id}").status_code == 404


def test_a_workgroup_is_a_candidate_group_of_inbox_tasks(people, group, admin):
    instance = make_instance(on_behalf_of_id=admin.id)
    sync_human_tasks(instance, [{"task_uuid": "u-1", "element_id": "Review", "name": "Review",
                                 "candidate_groups": f"workgroup:{group}"}], {})
    sync_human_tasks(instance, [{"task_uuid": "u-1", "element_id": "Review", "name": "Review"},
                                {"task_uuid": "u-2", "element_id": "Check", "name": "Check",
                                 "candidate_groups": "Launch team"}], {})
    db.session.commit()
    ids = sorted(db.session.scalars(select(HumanTask.id)))
    for name in ("owner", "moderator", "member"):
        assert sorted(t["id"] for t in people[name][1].get("/inbox").json["items"]) == ids, name
    assert people["outsider"][1].get("/inbox").json["items"] == []
    member = people["member"]
    assert member[1].post(f"/inbox/{ids[0]}/claim").status_code == 200
    assert db.session.scalar(select(WorkgroupMember.id).where(WorkgroupMember.user_id == member[0].id))


def test_open_inbox_tasks_offered_to_a_workgroup_hold_it(people, group, admin, api):
    """Deleting the group under an open task would leave it to no one: 409 until it is done."""
    instance = make_instance(on_behalf_of_id=admin.id)
    sync_human_tasks(instance, [{"task_uuid": "u-1", "element_id": "Review", "name": "Review",
                                 "candidate_groups": f"workgroup:{group}"}], {})
    db.session.commit()
    owner_api = people["owner"][1]
    r = owner_api.delete(f"/workgroups/{group}")
    assert r.status_code == 409, r.json
    assert r.json["error"] == ("The workgroup 'Launch team' still has 1 open inbox task: "
                               "complete or reassign them first")
    assert owner_api.get(f"/workgroups/{group}").status_code == 200  # nothing was removed
    task = db.session.scalar(select(HumanTask))
    task.state = "completed"
    db.session.commit()
    assert owner_api.delete(f"/workgroups/{group}").status_code == 204


def test_open_inbox_tasks_offered_to_a_department_hold_it(admin, api):
    dep = api.post("/departments", {"name": "Night shift"}).json["id"]
    instance = make_instance(on_behalf_of_id=admin.id)
    sync_human_tasks(instance, [{"task_uuid": "u-1", "element_id": "Review", "name": "Review",
                                 "candidate_groups": f"department:{dep}"}], {})
    db.session.commit()
    r = api.delete(f"/departments/{dep}")
    assert r.status_code == 409 and r.json["holders"] == {"open inbox tasks": 1}, r.json
    db.session.scalar(select(HumanTask)).state = "cancelled"
    db.session.commit()
    assert api.delete(f"/departments/{dep}").status_code == 204
