"""Deleting a workgroup or a department removes the drive rights granted to it, in the same
unit of work, named in the audit entry; every other right, and the items, stay."""
from __future__ import annotations

from sqlalchemy import select

from tests.integration.drive.conftest import folder, join_department, make_workgroup, root_of, upload


def grant(api, item: int, *entries: dict) -> None:
    r = api.put(f"/drive/items/{item}/rights", list(entries))
    assert r.status_code == 200, r.json


def rights_rows() -> set[tuple]:
    from drive.models import DriveRight
    from extensions import db

    return set(db.session.execute(select(DriveRight.item_id, DriveRight.subject, DriveRight.subject_id,
                                         DriveRight.level)).all())


def audit_of(action: str) -> list:
    from extensions import db
    from org.audit import AuditEntry

    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_deleting_a_workgroup_takes_its_drive_rights_and_nothing_else(ann, bob, ann_api, bob_api,
                                                                       make_user, api_for):
    carl = make_user("carl@example.com")
    group, other = make_workgroup("Launch", ann, [bob]), make_workgroup("Other", ann, [carl])
    root = root_of(ann_api)
    docs, plans = folder(ann_api, root, "Docs"), folder(ann_api, root, "Plans")
    upload(ann_api, docs, ("d.txt", b"d"))
    grant(ann_api, docs, {"subject": "workgroup", "id": group, "level": "edit"},
          {"subject": "workgroup", "id": other, "level": "read"},
          {"subject": "user", "id": carl.id, "level": "share"})
    grant(ann_api, plans, {"subject": "workgroup", "id": group, "level": "read"})
    assert bob_api.get(f"/drive/items/{docs}").json["level"] == "edit"
    drives = bob_api.get("/drive/drives").json["items"]
    wroot = [d for d in drives if d["drive"]["kind"] == "workgroup"][0]["id"]
    assert upload(bob_api, wroot, ("w.txt", b"w")).status_code == 201
    before = rights_rows()

    assert ann_api.delete(f"/workgroups/{group}").status_code == 204
    assert rights_rows() == {r for r in before if r[1:3] != ("workgroup", group)}
    assert {(r[0], r[2]) for r in before - rights_rows()} == {(docs, group), (plans, group)}
    for item in (docs, plans):
        assert bob_api.get(f"/drive/items/{item}").status_code == 404  # the member lost access
    assert bob_api.get("/drive/shared").json["items"] == []
    assert api_for(carl).get(f"/drive/items/{docs}").json["level"] == "share"  # others kept theirs
    names = [i["name"] for i in ann_api.get(f"/drive/items?parent={docs}").json["items"]]
    assert names == ["d.txt"]  # the items stay
    (entry,) = audit_of("workgroup.delete")
    assert entry.target == f"workgroup {group}" and entry.details["name"] == "Launch"
    assert entry.details["drive_rights"] == 2 and entry.details["drive_items"] == sorted([docs, plans])


def test_a_share_level_user_can_change_the_rights_after_the_deletion(ann, bob, ann_api, make_user, api_for):
    """A dangling entry made the whole list unsendable: share-level users must send it back whole."""
    carl = make_user("carl@example.com")
    group = make_workgroup("Launch", ann, [bob])
    docs = folder(ann_api, root_of(ann_api), "Docs")
    grant(ann_api, docs, {"subject": "workgroup", "id": group, "level": "read"},
          {"subject": "user", "id": carl.id, "level": "share"})
    assert ann_api.delete(f"/workgroups/{group}").status_code == 204
    carl_api = api_for(carl)
    listed = carl_api.get(f"/drive/items/{docs}/rights").json["items"]
    entries = [{"subject": e["subject"], "id": e["id"], "level": e["level"]} for e in listed]
    assert entries == [{"subject": "user", "id": carl.id, "level": "share"}]
    bob_read = {"subject": "user", "id": bob.id, "level": "read"}
    r = carl_api.put(f"/drive/items/{docs}/rights", [*entries, bob_read])
    assert r.status_code == 200, r.json


def test_deleting_a_department_takes_its_drive_rights_and_nothing_else(api, ann_api, bob, bob_api,
                                                                        departments):
    root = root_of(ann_api)
    docs = folder(ann_api, root, "Docs")
    north, sales = departments["north"], departments["sales"]
    grant(ann_api, docs, {"subject": "department", "id": north, "level": "edit"},
          {"subject": "department", "id": sales, "level": "read", "include_subdepartments": True},
          {"subject": "user", "id": bob.id, "level": "read"})
    join_department(bob, north)
    before = rights_rows()
    assert bob_api.get(f"/drive/items/{docs}").json["level"] == "edit"
    r = api.delete(f"/departments/{north}")
    assert r.status_code == 409 and rights_rows() == before  # refused: nothing removed
    api.patch(f"/users/{bob.id}", {"department_ids": []})

    assert api.delete(f"/departments/{north}").status_code == 204
    assert rights_rows() == {r for r in before if r[1:3] != ("department", north)}
    assert bob_api.get(f"/drive/items/{docs}").json["level"] == "read"  # his own right stays
    (entry,) = audit_of("department.delete")
    assert entry.target == f"department {north}" and entry.details["name"] == "Sales North"
    assert entry.details["drive_rights"] == 1 and entry.details["drive_items"] == [docs]
    assert api.delete(f"/departments/{sales}").status_code == 204
    assert rights_rows() == {(docs, "user", bob.id, "read")}
    assert [e.details.get("drive_rights") for e in audit_of("department.delete")] == [1, 1]
