"""Drive search through the full-text index (drive.services.search): rights applied in SQL, so the
readable matches are all found however many unreadable ones there are; text of txt, md, docx,
odt and pdf; kept in step with rename, new version, move, trash and restore; the global search;
and the SQL filter agrees with drive.rights item by item."""
from __future__ import annotations

import io
import zipfile

from tests.integration.drive.conftest import folder, join_department, make_workgroup, root_of, upload
from tests.integration.drive.test_drive_pdf_text import dropped_kicks, index_pending, pdf_with  # noqa: F401


def names(api, q: str, **params: object) -> list[str]:
    r = api.get("/drive/search", query_string={"q": q, **params})
    assert r.status_code == 200, r.json
    return sorted(i["name"] for i in r.json["items"])


def grant(api, item: int, *entries: dict) -> None:
    r = api.put(f"/drive/items/{item}/rights", list(entries))
    assert r.status_code == 200, r.json


def odt(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", f"<office:document-content><text:p>{text}</text:p>"
                   "</office:document-content>")
    return buf.getvalue()


def docx(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                   '.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
                   'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
                   "</w:body></w:document>")
    return buf.getvalue()


def bulk_files(parent: int, owner_id: int, count: int, stem: str) -> None:
    """`count` files under `parent` in two statements (what 600 uploads would leave in drive_item)."""
    from sqlalchemy import insert, update

    from drive.models import DriveItem
    from extensions import db
    from transactions import unit_of_work

    with unit_of_work():
        folder_row = db.session.get(DriveItem, parent)
        rows = [{"drive_kind": folder_row.drive_kind, "drive_ref": folder_row.drive_ref, "parent_id": parent,
                 "path": "new", "name": f"{stem} {n}.txt", "owner_id": owner_id, "mime": "text/plain",
                 "text": f"line {n} of the {stem} list", "version_no": 1} for n in range(count)]
        db.session.execute(insert(DriveItem), rows)
        db.session.execute(update(DriveItem).where(DriveItem.path == "new")
                           .values(path=folder_row.path + DriveItem.id.cast(db.String) + "/"))


def test_readable_matches_are_all_found_among_many_unreadable(ann, ann_api, bob, bob_api):
    root = root_of(ann_api)
    shared = folder(ann_api, root, "Shared")
    grant(ann_api, shared, {"subject": "user", "id": bob.id, "level": "read"})
    upload(ann_api, shared, ("q1.txt", b"the budget for q1"), ("q2.md", b"# Budget q2"),
           ("notes.txt", b"budgets and more"))
    bulk_files(root, ann.id, 600, "budget")  # newer than Bob's, with the word in their names too
    assert names(bob_api, "budget") == ["notes.txt", "q1.txt", "q2.md"]
    first = bob_api.get("/drive/search?q=budget").json
    assert first["next_offset"] is None and first["terms"] == ["budget"]
    assert all(i["level"] == "read" and "budget" in i["snippet"].lower() for i in first["items"])
    # Ann pages through all 603, each exactly once, best first
    seen, offset = [], 0
    while offset is not None:
        page = ann_api.get("/drive/search", query_string={"q": "budget", "limit": 50, "offset": offset}).json
        assert len(page["items"]) <= 50
        seen += [i["id"] for i in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 603
    r = ann_api.get("/drive/search?q=budget&limit=0")
    assert r.status_code == 422 and "limit" in r.json["fields"]


def test_found_by_the_text_of_common_formats(ann_api, bob_api, dropped_kicks):  # noqa: F811
    root = root_of(ann_api)
    made = upload(ann_api, root, ("a.docx", docx("Wombat migration plan")), ("b.odt", odt("Quokka census")),
                  ("c.txt", b"Platypus sightings"), ("d.md", b"## Echidna notes"),
                  ("e.pdf", pdf_with("Numbat report")), ("Отчёт Müller.txt", "Йошкар-Ола".encode()))
    assert made.status_code == 201, made.json
    index_pending()  # the PDF's text is read by the background task
    for word, name in (("wombat", "a.docx"), ("quokk", "b.odt"), ("PLATYPUS", "c.txt"),
                       ("echidna", "d.md"), ("numbat", "e.pdf")):
        assert names(ann_api, word) == [name], word
        assert names(bob_api, word) == [], word
    for word in ("отчёт", "ОТЧЁТ", "muller", "Müll", "йошкар ола"):  # Latin accents folded, as FTS5 does
        assert names(ann_api, word) == ["Отчёт Müller.txt"], word
    hit = ann_api.get("/drive/search?q=wombat plan").json["items"][0]
    assert hit["snippet"] == "Wombat migration plan" and hit["score"] > 0


def test_rename_new_version_move_trash_and_restore_follow(ann_api, bob, bob_api):
    root = root_of(ann_api)
    shared, private = folder(ann_api, root, "Shared"), folder(ann_api, root, "Private")
    grant(ann_api, shared, {"subject": "user", "id": bob.id, "level": "read"})
    iid = upload(ann_api, shared, ("orbit.txt", b"apogee perigee")).json["items"][0]["id"]
    assert names(bob_api, "orbit") == names(bob_api, "apogee") == ["orbit.txt"]
    assert ann_api.patch(f"/drive/items/{iid}", {"name": "plain.txt"}).status_code == 200
    assert names(bob_api, "orbit") == [] and names(bob_api, "plain") == ["plain.txt"]
    assert ann_api.put(f"/drive/items/{iid}/content", data=b"eccentricity").status_code == 201
    assert names(bob_api, "apogee") == [] and names(bob_api, "eccentric") == ["plain.txt"]
    assert ann_api.patch(f"/drive/items/{iid}", {"parent": private}).status_code == 200
    assert names(bob_api, "plain") == [] and names(ann_api, "plain") == ["plain.txt"]
    assert ann_api.patch(f"/drive/items/{iid}", {"parent": shared}).status_code == 200
    assert names(bob_api, "plain") == ["plain.txt"]
    assert ann_api.delete(f"/drive/items/{shared}").status_code == 200  # the folder above goes
    assert names(bob_api, "plain") == [] and names(ann_api, "plain") == []
    assert ann_api.post(f"/drive/items/{shared}/restore").status_code == 200
    assert names(bob_api, "plain") == ["plain.txt"]
    assert ann_api.delete(f"/drive/items/{shared}").status_code == 200
    assert ann_api.delete(f"/drive/trash/{shared}").status_code == 200
    assert names(ann_api, "plain") == []


def test_global_search_shows_files_the_user_may_read(ann_api, bob, bob_api, make_user, api_for):
    root = root_of(ann_api)
    shared = folder(ann_api, root, "Shared")
    grant(ann_api, shared, {"subject": "user", "id": bob.id, "level": "read"})
    upload(ann_api, shared, ("zeppelin.txt", b"airship hangar"))
    hits = bob_api.get("/search?q=airship").json
    assert [(i["entity"], i["title"]) for i in hits["items"]] == [("file", "zeppelin.txt")]
    assert hits["groups"][0]["label"] == "Files" and hits["items"][0]["snippet"] == "airship hangar"
    carl = api_for(make_user("carl@example.com"))
    assert carl.get("/search?q=airship").json["items"] == []


def test_the_sql_filter_agrees_with_drive_rights(app, ann, ann_api, bob, make_user, api_for, departments):
    """Departments with and without sub-departments, workgroups, everyone, none below, owners,
    an administrator, the company drive: for each user, what search finds is what rights.level_of allows."""
    from drive import rights
    from drive.models import DriveItem
    from drive.services.search import search_files
    from extensions import db

    carl, dora = make_user("carl@example.com"), make_user("dora@example.com")
    join_department(bob, departments["north"])
    join_department(carl, departments["sales"])
    group = make_workgroup("Crew", ann, [dora])
    root = root_of(ann_api)
    a = folder(ann_api, root, "alpha")
    b = folder(ann_api, a, "beta")
    c = folder(ann_api, b, "gamma")
    grant(ann_api, a, {"subject": "department", "id": departments["sales"], "level": "read",
                       "include_subdepartments": True})
    grant(ann_api, b, {"subject": "department", "id": departments["sales"], "level": "none",
                       "include_subdepartments": True}, {"subject": "user", "id": carl.id, "level": "read"})
    grant(ann_api, c, {"subject": "department", "id": departments["sales"], "level": "edit",
                       "include_subdepartments": True}, {"subject": "everyone", "level": "none"})
    wroot = _root(app, "workgroup", group)
    w1 = folder(ann_api, wroot, "crew-private")
    grant(ann_api, w1, {"subject": "workgroup", "id": group, "level": "none"})
    bulk_files(_root(app, "company", None), dora.id, 1, "common")  # everyone reads the company drive
    for parent in (root, a, b, c, wroot, w1):
        upload(ann_api, parent, (f"common {parent}.txt", b"common words"))
    users = [ann, bob, carl, dora, make_user("eve@example.com"), make_user("root@example.com", admin=True)]
    seen = set()
    for user in users:
        who = rights.who_is(user)
        files = db.session.query(DriveItem).filter(DriveItem.name.like("common%")).all()
        allowed = sorted(i.id for i in files if rights.level_of(who, i) >= rights.READ)
        found = sorted(h.item.id for h in search_files("common", actor=user).hits)
        assert found == allowed, user.email
        seen.add(tuple(found))
    assert len(seen) >= 4  # the users do see different parts of the tree


def _root(app, kind: str, ref: int | None) -> int:
    from drive.services.items import _make_root
    from transactions import unit_of_work

    with unit_of_work():
        return _make_root(kind, ref).id
