"""Rights through the API: each level enforced, inheritance and overrides, departments,
workgroups, "shared with me", public links, the company drive and admin mode."""
from __future__ import annotations

import pytest

from tests.integration.drive.conftest import folder, join_department, make_workgroup, root_of, upload


@pytest.fixture
def tree(ann_api):
    """Ann's drive: Projects/ (with plan.txt) and Projects/Secret/ (with s.txt)."""
    root = root_of(ann_api)
    projects = folder(ann_api, root, "Projects")
    secret = folder(ann_api, projects, "Secret")
    plan = upload(ann_api, projects, ("plan.txt", b"plan")).json["items"][0]["id"]
    s = upload(ann_api, secret, ("s.txt", b"secret")).json["items"][0]["id"]
    return {"root": root, "projects": projects, "secret": secret, "plan": plan, "s": s}


def grant(api, item: int, *entries: dict):
    r = api.put(f"/drive/items/{item}/rights", list(entries))
    assert r.status_code == 200, r.json
    return r


def test_nothing_without_a_right(tree, bob_api):
    for path in (f"/drive/items/{tree['plan']}", f"/drive/items/{tree['plan']}/content",
                 f"/drive/items?parent={tree['projects']}", f"/drive/items/{tree['plan']}/versions"):
        assert bob_api.get(path).status_code == 404, path
    assert bob_api.get("/drive/search?q=plan").json["items"] == []
    assert bob_api.get("/drive/shared").json["items"] == []


def test_read_is_inherited_and_overridable_below(tree, ann_api, bob_api, bob):
    grant(ann_api, tree["projects"], {"subject": "user", "id": bob.id, "level": "read"})
    grant(ann_api, tree["secret"], {"subject": "user", "id": bob.id, "level": "none"})
    assert bob_api.get(f"/drive/items/{tree['plan']}/content").data == b"plan"
    names = [i["name"] for i in bob_api.get(f"/drive/items?parent={tree['projects']}").json["items"]]
    assert names == ["plan.txt"]  # Secret overrides the inherited read with none
    assert bob_api.get(f"/drive/items/{tree['s']}/content").status_code == 404
    assert [i["name"] for i in bob_api.get("/drive/search?q=.txt").json["items"]] == ["plan.txt"]
    # read only: no new version, no rename, no upload, no trash, no rights
    assert bob_api.put(f"/drive/items/{tree['plan']}/content", data=b"x").status_code == 403
    assert bob_api.patch(f"/drive/items/{tree['plan']}", {"name": "p.txt"}).status_code == 403
    assert upload(bob_api, tree["projects"], ("n.txt", b"n")).status_code == 403
    assert bob_api.delete(f"/drive/items/{tree['plan']}").status_code == 403
    assert bob_api.put(f"/drive/items/{tree['plan']}/rights", []).status_code == 403
    shared = bob_api.get("/drive/shared").json["items"]
    assert [(i["name"], i["level"]) for i in shared] == [("Projects", "read")]


def test_edit_share_and_full(tree, ann_api, bob_api, bob, make_user, api_for):
    carl = make_user("carl@example.com")
    grant(ann_api, tree["projects"], {"subject": "user", "id": bob.id, "level": "edit"})
    assert bob_api.put(f"/drive/items/{tree['plan']}/content", data=b"v2").status_code == 201
    assert bob_api.patch(f"/drive/items/{tree['plan']}", {"name": "plan2.txt"}).status_code == 200
    assert upload(bob_api, tree["projects"], ("bob.txt", b"b")).status_code == 201
    assert bob_api.delete(f"/drive/items/{tree['plan']}").status_code == 403  # delete needs full
    assert bob_api.post(f"/drive/items/{tree['plan']}/links", {}).status_code == 403
    carl_read = {"subject": "user", "id": carl.id, "level": "read"}
    assert bob_api.put(f"/drive/items/{tree['plan']}/rights", [carl_read]).status_code == 403
    grant(ann_api, tree["projects"], {"subject": "user", "id": bob.id, "level": "share"})
    # share: may grant read or edit, not share or full, and may not take away another level
    assert bob_api.put(f"/drive/items/{tree['plan']}/rights", [carl_read]).status_code == 200
    assert api_for(carl).get(f"/drive/items/{tree['plan']}/content").data == b"v2"
    too_much = {**carl_read, "level": "full"}
    r = bob_api.put(f"/drive/items/{tree['plan']}/rights", [too_much])
    assert r.status_code == 422 and "rights" in r.json["fields"]
    assert bob_api.post(f"/drive/items/{tree['plan']}/links", {}).status_code == 201
    grant(ann_api, tree["projects"], {"subject": "user", "id": bob.id, "level": "full"})
    assert bob_api.delete(f"/drive/items/{tree['plan']}").status_code == 200
    assert bob_api.post(f"/drive/items/{tree['plan']}/restore").status_code == 200


def test_departments_with_and_without_sub_departments(tree, ann_api, bob_api, bob, departments):
    join_department(bob, departments["north"])
    grant(ann_api, tree["projects"], {"subject": "department", "id": departments["sales"], "level": "read"})
    assert bob_api.get(f"/drive/items/{tree['plan']}").status_code == 404  # Sales only, not North
    grant(ann_api, tree["projects"], {"subject": "department", "id": departments["sales"], "level": "read",
                                      "include_subdepartments": True})
    assert bob_api.get(f"/drive/items/{tree['plan']}").json["level"] == "read"
    bad = ann_api.put(f"/drive/items/{tree['plan']}/rights", [{"subject": "department", "id": 99999,
                                                              "level": "read"}])
    assert bad.status_code == 422 and "rights[0].id" in bad.json["fields"]
    bad = ann_api.put(f"/drive/items/{tree['plan']}/rights", [{"subject": "team", "id": 1, "level": "read"}])
    assert bad.status_code == 422 and "rights[0].subject" in bad.json["fields"]


def test_workgroup_drive_and_rights(ann, bob, ann_api, bob_api, make_user, api_for):
    group = make_workgroup("Launch", ann, [bob])
    drives = {d["drive"]["kind"]: d for d in bob_api.get("/drive/drives").json["items"]}
    assert set(drives) == {"user", "company", "workgroup"}
    wroot = drives["workgroup"]["id"]
    assert drives["workgroup"]["level"] == "edit"  # members edit their group's drive
    assert upload(bob_api, wroot, ("w.txt", b"w")).status_code == 201
    outsider = api_for(make_user("out@example.com"))
    assert outsider.get(f"/drive/items?parent={wroot}").status_code == 404
    docs = folder(ann_api, root_of(ann_api), "Docs")
    grant(ann_api, docs, {"subject": "workgroup", "id": group, "level": "edit"})
    assert upload(bob_api, docs, ("x.txt", b"x")).status_code == 201


def test_company_drive_and_admin_mode(admin, ann_api, bob_api, api, api_for, tree):
    company = [d for d in ann_api.get("/drive/drives").json["items"] if d["drive"]["kind"] == "company"][0]
    assert company["level"] == "read"  # everyone reads the company drive; administrators manage it
    assert ann_api.post("/drive/items", {"parent": company["id"], "name": "X"}).status_code == 403
    hr = folder(api, company["id"], "HR")
    grant(api, hr, {"subject": "everyone", "level": "none"})
    assert bob_api.get(f"/drive/items?parent={hr}").status_code == 404
    assert api.get(f"/drive/items/{tree['s']}/content").data == b"secret"  # admin mode: everything
    plain = api_for(admin, admin_mode=False)
    assert plain.get(f"/drive/items/{tree['s']}").status_code == 404


def test_public_links(tree, ann_api, client):
    link = ann_api.post(f"/drive/items/{tree['plan']}/links", {"password": "open sesame"})
    assert link.status_code == 201
    url = link.json["url"]
    assert url == f"/api/v1/drive/public/{link.json['token']}" and link.json["has_password"] is True
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-Link-Password": "open sesame"}).data == b"plan"
    plain = ann_api.post(f"/drive/items/{tree['plan']}/links", {"expires_at": "2099-01-01T00:00:00Z"}).json
    assert client.get(f"/api/v1/drive/public/{plain['token']}").data == b"plan"
    assert ann_api.post(f"/drive/items/{tree['plan']}/links", {"expires_at": "2000-01-01"}).status_code == 422
    assert ann_api.delete(f"/drive/links/{plain['id']}").status_code == 200
    assert client.get(f"/api/v1/drive/public/{plain['token']}").status_code == 404
    ann_api.delete(f"/drive/items/{tree['projects']}")
    assert client.get(url, headers={"X-Link-Password": "open sesame"}).status_code == 404
