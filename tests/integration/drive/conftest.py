"""Drive fixtures: people with API clients, departments, a workgroup, upload helpers."""
from __future__ import annotations

import io

import pytest

# A real 1x1 PNG: what libmagic reads as image/png whatever the name says.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")


@pytest.fixture
def ann(make_user):
    return make_user("ann@example.com", first_name="Ann", last_name="Owner")


@pytest.fixture
def bob(make_user):
    return make_user("bob@example.com", first_name="Bob", last_name="Other")


@pytest.fixture
def ann_api(ann, api_for):
    return api_for(ann)


@pytest.fixture
def bob_api(bob, api_for):
    return api_for(bob)


@pytest.fixture
def departments(app):
    """Sales (/s/) with a sub-department Sales North (/s/n/): ids by name."""
    from extensions import db
    from org.models import Department
    from transactions import unit_of_work

    with unit_of_work():
        sales = Department(name="Sales")
        db.session.add(sales)
        db.session.flush()
        sales.path = f"/{sales.id}/"
        north = Department(name="Sales North", parent_id=sales.id)
        db.session.add(north)
        db.session.flush()
        north.path = f"{sales.path}{north.id}/"
    return {"sales": sales.id, "north": north.id}


def join_department(user, department_id: int) -> None:
    from extensions import db
    from org.models import DepartmentMember
    from transactions import unit_of_work

    with unit_of_work():
        db.session.add(DepartmentMember(user_id=user.id, department_id=department_id, is_primary=True))


def make_workgroup(name: str, owner, members: list) -> int:
    from extensions import db
    from org.workgroups import Workgroup, WorkgroupMember
    from transactions import unit_of_work

    with unit_of_work():
        group = Workgroup(name=name, owner_id=owner.id)
        db.session.add(group)
        db.session.flush()
        for user in {owner.id: owner, **{m.id: m for m in members}}.values():
            db.session.add(WorkgroupMember(workgroup_id=group.id, user_id=user.id))
    return group.id


def root_of(api) -> int:
    r = api.get("/drive/items")
    assert r.status_code == 200, r.json
    return r.json["folder"]["id"]


def upload(api, parent: int, *files: tuple[str, bytes]):
    data = {"parent": str(parent), "file": [(io.BytesIO(body), name) for name, body in files]}
    return api.post("/drive/items", data=data, content_type="multipart/form-data")


def folder(api, parent: int, name: str) -> int:
    r = api.post("/drive/items", {"parent": parent, "name": name})
    assert r.status_code == 201, r.json
    return r.json["id"]
