"""The drive's and the calendars' rights read memberships from the rights kept across requests
(crm.rights.cache, under the rights epoch): no membership query per request, and a membership
removed counts on the very next request."""
from __future__ import annotations

from sqlalchemy import delete

from extensions import db
from org.models import DepartmentMember
from org.workgroups import WorkgroupMember
from tests.integration.drive.conftest import folder, join_department, make_workgroup, root_of, upload
from tests.support.statements import statements
from transactions import unit_of_work

MEMBERSHIPS = ("FROM department_member", "FROM workgroup_member", "JOIN department_member")


def _membership_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if any(part in s for part in MEMBERSHIPS)]


def test_a_drive_request_reads_no_membership_while_the_rights_stand(make_user, api_for):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    ann_api, bob_api = api_for(ann), api_for(bob)
    join_department(bob, _department())
    group = make_workgroup("Launch", ann, [bob])
    docs = folder(ann_api, root_of(ann_api), "Docs")
    assert ann_api.put(f"/drive/items/{docs}/rights",
                       [{"subject": "workgroup", "id": group, "level": "read"}]).status_code == 200
    plan = upload(ann_api, docs, ("plan.txt", b"plan")).json["items"][0]["id"]
    assert bob_api.get(f"/drive/items/{plan}").json["level"] == "read"  # the rights read once
    with statements() as seen:
        assert bob_api.get(f"/drive/items/{plan}").json["level"] == "read"
        assert bob_api.get(f"/drive/items?parent={docs}").status_code == 200
    assert _membership_reads(seen) == []
    with unit_of_work():
        db.session.execute(delete(WorkgroupMember).where(WorkgroupMember.user_id == bob.id))
    assert bob_api.get(f"/drive/items/{plan}").status_code == 404  # the very next request


def test_a_department_membership_removed_closes_the_drive_on_the_next_request(make_user, api_for):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    ann_api, bob_api = api_for(ann), api_for(bob)
    department = _department()
    join_department(bob, department)
    docs = folder(ann_api, root_of(ann_api), "Docs")
    ann_api.put(f"/drive/items/{docs}/rights", [{"subject": "department", "id": department, "level": "edit"}])
    assert bob_api.get(f"/drive/items/{docs}").json["level"] == "edit"
    with unit_of_work():
        db.session.execute(delete(DepartmentMember).where(DepartmentMember.user_id == bob.id))
    assert bob_api.get(f"/drive/items/{docs}").status_code == 404


def test_workgroup_calendars_read_no_membership_while_the_rights_stand(make_user, api_for):
    ann, bob = make_user("ann@example.com"), make_user("bob@example.com")
    bob_api = api_for(bob)
    make_workgroup("Sales", ann, [bob])
    calendar = _workgroup_calendar(bob_api)
    assert calendar["access"] == "full"
    with statements() as seen:
        assert _workgroup_calendar(bob_api)["access"] == "full"
        assert bob_api.get(f"/calendars/{calendar['id']}").get_json()["access"] == "full"
    assert _membership_reads(seen) == []
    with unit_of_work():
        db.session.execute(delete(WorkgroupMember).where(WorkgroupMember.user_id == bob.id))
    assert bob_api.get(f"/calendars/{calendar['id']}").get_json()["access"] == "busy"
    assert [c for c in bob_api.get("/calendars").get_json()["items"] if c["kind"] == "workgroup"] == []


def _department() -> int:
    from org.models import Department

    with unit_of_work():
        department = Department(name="Sales")
        db.session.add(department)
        db.session.flush()
        department.path = f"/{department.id}/"
    return department.id


def _workgroup_calendar(api) -> dict:
    return next(c for c in api.get("/calendars").get_json()["items"] if c["kind"] == "workgroup")
