"""The employee directory (department tree, search, profiles) and the workgroup pages."""
from __future__ import annotations

import re

from extensions import db
from org.services.departments import create_department
from org.workgroups import Workgroup, WorkgroupInvitation
from tests.integration.portal.helpers import admin_mode, login


def _people(page: str) -> list[str]:
    return re.findall(r'data-person="([^"]+)"', page)


def test_directory_filters_by_department_tree_and_search(client, make_user, admin, api):
    sales = create_department("Sales", actor=None)
    north = create_department("North", actor=None, parent_id=sales.id)
    support = create_department("Support", actor=None)
    make_user("sam@example.com", first_name="Sam", last_name="Seller", department_id=sales.id,
              position="Seller")
    make_user("nora@example.com", first_name="Nora", last_name="North", department_id=north.id)
    make_user("sue@example.com", first_name="Sue", last_name="Helper", department_id=support.id,
              position="Support engineer")
    login(client, admin)
    page = client.get("/company/employees").get_data(as_text=True)
    assert set(_people(page)) == {"admin@example.com", "sam@example.com", "nora@example.com",
                                  "sue@example.com"}
    assert 'data-department="North"' in page
    page = client.get(f"/company/employees?department={sales.id}").get_data(as_text=True)
    assert sorted(_people(page)) == ["nora@example.com", "sam@example.com"]  # with sub-departments
    page = client.get(f"/company/employees?department={north.id}").get_data(as_text=True)
    assert _people(page) == ["nora@example.com"]
    assert _people(client.get("/company/employees?q=engineer").get_data(as_text=True)) == ["sue@example.com"]
    page = client.get("/company/employees?q=SAM+seller").get_data(as_text=True)
    assert _people(page) == ["sam@example.com"]
    assert _people(client.get("/company/employees?q=nobody").get_data(as_text=True)) == []
    # The same through the API.
    assert [u["email"] for u in api.get(f"/users?department_id={sales.id}&q=nora").json["items"]] == [
        "nora@example.com"]
    assert api.get("/users?department_id=x").status_code == 422
    assert api.get("/users?state=gone").status_code == 422


def test_profile_shows_departments_manager_and_workgroups(client, make_user, admin, member):
    sales = create_department("Sales", actor=None)
    boss = make_user("boss@example.com", first_name="Bea", last_name="Boss", department_id=sales.id)
    sales.head_id = boss.id
    worker = make_user("will@example.com", first_name="Will", last_name="Worker", department_id=sales.id,
                       position="Clerk")
    db.session.add(Workgroup(name="Fire wardens", owner_id=worker.id))
    db.session.commit()
    from org.services.workgroups import create_workgroup

    group = create_workgroup({"name": "Choir"}, actor=worker)
    login(client, member)
    page = client.get(f"/company/employees/{worker.id}").get_data(as_text=True)
    assert 'id="person-name"' in page and "Will Worker" in page and "Clerk" in page
    assert "Bea Boss" in page.split('id="person-manager"')[1][:400]
    assert f'/workgroups/{group.id}"' in page and "Choir" in page
    assert 'id="admin-actions"' not in page
    assert client.get("/company/employees/99999").status_code == 404


def test_workgroup_pages(client, app, make_user, member, other):
    login(client, member)
    assert client.get("/workgroups").status_code == 200
    assert client.get("/workgroups/new").status_code == 200
    r = client.post("/workgroups/new", data={"name": "", "invite_policy": "owner"})
    assert r.status_code == 422 and 'data-error-for="name"' in r.get_data(as_text=True)
    r = client.post("/workgroups/new", data={"name": "Garden club", "invite_policy": "all_members"})
    assert r.status_code == 302
    group = db.session.scalar(db.select(Workgroup).where(Workgroup.name == "Garden club"))
    page = client.get(f"/workgroups/{group.id}").get_data(as_text=True)
    assert 'id="workgroup-settings"' in page and 'id="delete-workgroup"' in page
    assert f'value="{other.id}"' in page  # someone to invite
    r = client.post(f"/workgroups/{group.id}/invitations", data={"user_ids": [str(other.id)]})
    assert r.status_code == 302
    # The invited person accepts from the workgroup list.
    guest = app.test_client()
    login(guest, other)
    listing = guest.get("/workgroups").get_data(as_text=True)
    assert 'data-invitation="Garden club"' in listing
    invitation = db.session.scalar(db.select(WorkgroupInvitation))
    assert guest.post(f"/workgroups/{group.id}/invitations/{invitation.id}/accept").status_code == 302
    page = guest.get(f"/workgroups/{group.id}").get_data(as_text=True)
    assert f'data-member="{other.email}"' in page and 'id="leave-workgroup"' in page
    assert 'id="workgroup-settings"' not in page and 'id="delete-workgroup"' not in page
    assert guest.post(f"/workgroups/{group.id}", data={"name": "Mine now"}).status_code == 403
    # The owner makes them a moderator; then they may edit the settings.
    assert client.post(f"/workgroups/{group.id}/moderators/{other.id}", data={"on": "1"}).status_code == 302
    assert guest.post(f"/workgroups/{group.id}", data={"name": "Garden friends",
                                                       "invite_policy": "owner"}).status_code == 302
    assert db.session.get(Workgroup, group.id).name == "Garden friends"
    assert guest.post(f"/workgroups/{group.id}/delete").status_code == 403
    assert client.post(f"/workgroups/{group.id}/members/{other.id}/remove").status_code == 302
    assert client.post(f"/workgroups/{group.id}/delete").status_code == 302
    assert db.session.get(Workgroup, group.id) is None


def test_administrators_in_admin_mode_manage_any_workgroup_page(client, admin, member):
    from org.services.workgroups import create_workgroup

    group = create_workgroup({"name": "Closed circle"}, actor=member)
    login(client, admin)
    assert 'id="delete-workgroup"' not in client.get(f"/workgroups/{group.id}").get_data(as_text=True)
    assert client.post(f"/workgroups/{group.id}/delete").status_code == 403
    admin_mode(client)
    assert 'id="delete-workgroup"' in client.get(f"/workgroups/{group.id}").get_data(as_text=True)
    assert client.post(f"/workgroups/{group.id}/delete").status_code == 302
