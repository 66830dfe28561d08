"""The drive through the API: folders, uploads, downloads, versions, trash, limits, bad input."""
from __future__ import annotations

import hashlib
import io

from tests.integration.drive.conftest import PNG, folder, root_of, upload


def test_upload_many_download_and_detected_type(ann_api):
    root = root_of(ann_api)
    r = upload(ann_api, root, ("notes.txt", b"hello drive\n"), ("photo.txt", PNG), ("sub/deep.txt", b"deep"))
    assert r.status_code == 201, r.json
    made = {i["name"]: i for i in r.json["items"]}
    assert made["notes.txt"]["mime"] == "text/plain"
    assert made["photo.txt"]["mime"] == "image/png"  # the name lies; the content decides
    listing = ann_api.get(f"/drive/items?parent={root}").json["items"]
    assert [(i["name"], i["kind"]) for i in listing] == [
        ("sub", "folder"), ("notes.txt", "file"), ("photo.txt", "file")]
    body = ann_api.get(f"/drive/items/{made['notes.txt']['id']}/content")
    assert body.status_code == 200 and body.data == b"hello drive\n"
    assert "attachment" in body.headers["Content-Disposition"]
    deep = ann_api.get(f"/drive/items?parent={made['deep.txt']['parent_id']}").json
    assert deep["folder"]["name"] == "sub" and [i["name"] for i in deep["items"]] == ["deep.txt"]


def test_bad_names_are_422_naming_the_field(ann_api):
    root = root_of(ann_api)
    for bad in ["a/b", "..", "tab\there", "CON", "nul.txt", "", "trailing."]:
        r = ann_api.post("/drive/items", {"parent": root, "name": bad})
        assert r.status_code == 422 and "name" in r.json["fields"], bad
    r = upload(ann_api, root, ("LPT1.doc", b"x"))
    assert r.status_code == 422 and "file[0]" in r.json["fields"]
    assert ann_api.get(f"/drive/items?parent={root}").json["items"] == []  # nothing half-written


def test_rename_move_copy_and_move_under_itself(ann_api):
    root = root_of(ann_api)
    a = folder(ann_api, root, "A")
    b = folder(ann_api, a, "B")
    f = upload(ann_api, b, ("f.txt", b"one")).json["items"][0]["id"]
    r = ann_api.patch(f"/drive/items/{a}", {"parent": b})
    assert r.status_code == 422 and "parent" in r.json["fields"]
    assert ann_api.patch(f"/drive/items/{a}", {"parent": a}).status_code == 422
    assert ann_api.patch(f"/drive/items/{f}", {"name": "g.txt"}).json["name"] == "g.txt"
    assert folder(ann_api, root, "C")
    c = [i for i in ann_api.get(f"/drive/items?parent={root}").json["items"] if i["name"] == "C"][0]["id"]
    moved = ann_api.patch(f"/drive/items/{b}", {"parent": c})
    assert moved.status_code == 200 and moved.json["parent_id"] == c
    copy = ann_api.post(f"/drive/items/{b}/copy", {"parent": root, "name": "B copy"})
    assert copy.status_code == 201
    inside = ann_api.get(f"/drive/items?parent={copy.json['id']}").json["items"]
    assert [i["name"] for i in inside] == ["g.txt"]
    assert ann_api.get(f"/drive/items/{inside[0]['id']}/content").data == b"one"
    taken = ann_api.post(f"/drive/items/{b}/copy", {"parent": root, "name": "B copy"})
    assert taken.status_code == 409


def test_versions_restore_and_concurrent_writers(ann_api):
    root = root_of(ann_api)
    item = upload(ann_api, root, ("doc.txt", b"v1")).json["items"][0]
    iid = item["id"]
    first = ann_api.put(f"/drive/items/{iid}/content", data=b"v2", headers={"If-Match": "1"})
    assert first.status_code == 201
    # A second writer who also loaded version 1 loses the race: 409, and nothing is overwritten.
    late = ann_api.put(f"/drive/items/{iid}/content", data=b"v2-bob", headers={"If-Match": "1"})
    assert late.status_code == 409 and "version" in late.json["fields"]
    assert [v["number"] for v in ann_api.get(f"/drive/items/{iid}/versions").json["items"]] == [2, 1]
    restored = ann_api.post(f"/drive/items/{iid}/versions/1/restore")
    assert restored.status_code == 201 and restored.json["version"] == 3
    assert ann_api.get(f"/drive/items/{iid}/content").data == b"v1"
    assert ann_api.get(f"/drive/items/{iid}/content?version=2").data == b"v2"
    again = upload(ann_api, root, ("doc.txt", b"v4"))  # the same name again: a new version
    assert again.status_code == 201 and again.json["items"][0]["id"] == iid
    assert again.json["items"][0]["version"] == 4


def test_trash_restore_and_purge(ann_api):
    root = root_of(ann_api)
    a = folder(ann_api, root, "A")
    f = upload(ann_api, a, ("f.txt", b"x")).json["items"][0]["id"]
    assert ann_api.delete(f"/drive/items/{a}").status_code == 200
    assert ann_api.get(f"/drive/items/{f}").status_code == 404  # below a trashed folder
    assert ann_api.get(f"/drive/items?parent={root}").json["items"] == []
    assert [i["id"] for i in ann_api.get("/drive/trash").json["items"]] == [a]
    assert ann_api.delete(f"/drive/trash/{f}").status_code == 409  # only what was put there
    assert ann_api.post(f"/drive/items/{a}/restore").status_code == 200
    assert ann_api.get(f"/drive/items/{f}/content").data == b"x"
    ann_api.delete(f"/drive/items/{a}")
    assert ann_api.delete(f"/drive/trash/{a}").json == {"deleted": 2}
    assert ann_api.get(f"/drive/items/{a}").status_code == 404
    assert ann_api.get("/drive/trash").json["items"] == []


def test_size_limit_and_quota_are_413(app, ann, ann_api, api):
    root = root_of(ann_api)
    limits = {k: app.config[k] for k in ("DRIVE_MAX_FILE", "DRIVE_MAX_UPLOAD")}
    app.config["DRIVE_MAX_FILE"] = 1000
    try:
        r = upload(ann_api, root, ("big.bin", b"x" * 1001))
        assert r.status_code == 413 and "1000" in r.json["error"]
        app.config["DRIVE_MAX_UPLOAD"] = 2000
        r = upload(ann_api, root, ("huge.bin", b"x" * 5000))
        assert r.status_code == 413
    finally:
        app.config.update(limits)
    saved = api.put("/drive/settings", {"user_quota": 100, "users": {str(ann.id): 150}})
    assert saved.status_code == 200, saved.json
    assert upload(ann_api, root, ("a.txt", b"a" * 120)).status_code == 201
    over = upload(ann_api, root, ("b.txt", b"b" * 40))
    assert over.status_code == 413 and "quota" in over.json["error"]
    assert [i["name"] for i in ann_api.get(f"/drive/items?parent={root}").json["items"]] == ["a.txt"]
    assert ann_api.put("/drive/settings", {"user_quota": None}).status_code == 403
    assert api.put("/drive/settings", {"user_quota": -1}).json["fields"] == {"user_quota": ANY_TEXT}


class _AnyText:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_TEXT = _AnyText()


def test_new_documents_and_desktop_links(ann_api):
    root = root_of(ann_api)
    r = ann_api.post("/drive/items", {"parent": root, "name": "Plan", "template": "spreadsheet"})
    assert r.status_code == 201 and r.json["name"] == "Plan.ods"
    assert r.json["mime"] == "application/vnd.oasis.opendocument.spreadsheet"
    links = ann_api.get(f"/drive/items/{r.json['id']}/open").json
    assert links["webdav"].endswith(f"/dav/files/user-{r.json['drive']['id']}/Plan.ods")
    assert links["libreoffice"] == "vnd.libreoffice.command:ofv|u|" + links["webdav"]
    assert links["office"] == "ms-excel:ofe|u|" + links["webdav"]
    poster = ann_api.post("/drive/items", {"parent": root, "name": "X", "template": "poster"})
    assert poster.status_code == 422 and "template" in poster.json["fields"]


def test_search_by_name(ann_api, bob_api):
    upload(ann_api, root_of(ann_api), ("Quarterly Report.txt", b"q"))
    upload(bob_api, root_of(bob_api), ("report-bob.txt", b"b"))
    found = ann_api.get("/drive/search?q=report").json["items"]
    assert [i["name"] for i in found] == ["Quarterly Report.txt"]
    assert ann_api.get("/drive/search").status_code == 422


def test_put_stream_body(ann_api):
    iid = upload(ann_api, root_of(ann_api), ("s.bin", b"0")).json["items"][0]["id"]
    r = ann_api.put(f"/drive/items/{iid}/content", data=io.BytesIO(b"%PDF-1.4\n%..."))
    assert r.status_code == 201 and r.json["mime"] == "application/pdf"


def test_purged_bodies_are_collected(app, ann_api):
    from drive.tasks import collect_garbage

    root = root_of(ann_api)
    kept = upload(ann_api, root, ("kept.txt", b"kept body")).json["items"][0]["id"]
    gone = upload(ann_api, root, ("gone.txt", b"gone body")).json["items"][0]["id"]
    ann_api.delete(f"/drive/items/{gone}")
    ann_api.delete(f"/drive/trash/{gone}")
    from drive.services.files import storage

    digest = hashlib.sha256(b"gone body").hexdigest()
    assert storage().exists(digest)
    app.config["DRIVE_GC_GRACE_SECONDS"] = 0
    try:
        assert collect_garbage() >= 1  # bodies of earlier tests (wiped rows) go too
    finally:
        app.config.pop("DRIVE_GC_GRACE_SECONDS")
    assert not storage().exists(digest)
    assert ann_api.get(f"/drive/items/{kept}/content").data == b"kept body"


def test_copy_and_move_count_against_the_target_quota(ann, ann_api, api):
    from tests.integration.drive.conftest import make_workgroup

    group = make_workgroup("Small", ann, [])
    drives = ann_api.get("/drive/drives").json["items"]
    wroot = [d for d in drives if d["drive"]["kind"] == "workgroup"][0]["id"]
    assert api.put("/drive/settings", {"workgroups": {str(group): 10}}).status_code == 200
    big = upload(ann_api, root_of(ann_api), ("big.txt", b"x" * 20)).json["items"][0]["id"]
    copy = ann_api.post(f"/drive/items/{big}/copy", {"parent": wroot})
    assert copy.status_code == 413 and "parent" in copy.json["fields"]
    move = ann_api.patch(f"/drive/items/{big}", {"parent": wroot})
    assert move.status_code == 413
    small = upload(ann_api, root_of(ann_api), ("small.txt", b"y" * 5)).json["items"][0]["id"]
    assert ann_api.patch(f"/drive/items/{small}", {"parent": wroot}).status_code == 200


def test_search_finds_text_inside_files(ann_api, bob_api):
    root = root_of(ann_api)
    upload(ann_api, root, ("notes.md", b"The zebra budget for 2027"))
    upload(bob_api, root_of(bob_api), ("bob.txt", b"zebra too"))
    found = ann_api.get("/drive/search?q=ZEBRA").json["items"]
    assert [i["name"] for i in found] == ["notes.md"]  # Bob's file stays his
    assert ann_api.get("/drive/search?q=giraffe").json["items"] == []


def test_two_first_visits_make_one_root(app):
    """The second of two concurrent first visits finds the root the first one made (unique key)."""
    from sqlalchemy import func, select

    from drive.models import DriveItem
    from drive.services import items
    from extensions import db
    from transactions import unit_of_work

    with unit_of_work():
        first = items._make_root("company", None)  # as if both had found no root yet
    with unit_of_work():
        second = items._make_root("company", None)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).where(DriveItem.parent_id.is_(None))) == 1
