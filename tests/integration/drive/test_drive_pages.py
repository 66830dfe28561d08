"""The drive's pages: a folder, uploads and new items, a file with preview, versions and rights,
the trash, "shared with me" and search, each under the same rights as the API."""
from __future__ import annotations

import io
import re

import pytest

from tests.integration.drive.conftest import PNG


@pytest.fixture
def web(client, ann):
    r = client.post("/login", data={"email": ann.email, "password": "Quiet-bay-42"})
    assert r.status_code == 302
    return client


def _root(web) -> str:
    r = web.get("/drive")
    assert r.status_code == 302
    return r.headers["Location"]


def _item_url(page: str, name: str) -> str:
    return re.search(r'href="(/drive/items/\d+)">' + re.escape(name) + "<", page).group(1)


def test_folder_upload_new_items_and_file_page(web):
    root = _root(web)
    page = web.get(root).get_data(as_text=True)
    assert 'id="drive-upload"' in page and "drive.js" in page and "My drive" in page
    r = web.post(root + "/upload", data={"file": [(io.BytesIO(b"hello page"), "note.txt"),
                                                  (io.BytesIO(PNG), "pic.png")]},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    assert web.post(root + "/new", data={"kind": "folder", "name": "Plans"}).status_code == 302
    assert web.post(root + "/new", data={"kind": "document", "name": "Letter"}).status_code == 302
    page = web.get(root).get_data(as_text=True)
    for name in ("Plans", "note.txt", "pic.png", "Letter.odt"):
        assert f'data-item="{name}"' in page
    note = web.get(_item_url(page, "note.txt")).get_data(as_text=True)
    assert '<pre class="border p-2 bg-light" style="max-height:60vh" id="drive-text">hello page</pre>' in note
    assert "vnd.libreoffice.command:ofv|u|http://localhost/dav/files/" in note
    pic = web.get(_item_url(page, "pic.png")).get_data(as_text=True)
    assert "inline=1" in pic and "<img" in pic
    bad = web.post(root + "/new", data={"kind": "folder", "name": "a/b"}, follow_redirects=True)
    assert "name: A name cannot contain" in bad.get_data(as_text=True)


def test_versions_rights_trash_shared_and_search(web, client, ann, bob, app):
    root = _root(web)
    for body in (b"one", b"two"):
        web.post(root + "/upload", data={"file": [(io.BytesIO(body), "doc.txt")]},
                 content_type="multipart/form-data")
    doc = _item_url(web.get(root).get_data(as_text=True), "doc.txt")
    page = web.get(doc).get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page and f">{ann.full_name}</td>" in page
    assert web.post(doc + "/versions/1/restore").status_code == 302
    assert web.get(doc + "/download").data == b"one"
    r = web.post(doc + "/rights", data={"subject": ["user"], "id": [str(bob.id)], "level": ["read"]})
    assert r.status_code == 302
    assert f'data-right="user:{bob.id}"' in web.get(doc).get_data(as_text=True)
    with app.test_client() as other:
        other.post("/login", data={"email": bob.email, "password": "Quiet-bay-42"})
        assert "doc.txt" in other.get("/drive/shared").get_data(as_text=True)
        assert other.get(doc + "/download").data == b"one"
        assert other.post(doc + "/trash").status_code in (302, 403)
        assert web.get(doc).status_code == 200  # Bob's refused trash changed nothing
        assert "doc.txt" in other.get("/drive/search?q=doc").get_data(as_text=True)
    assert web.post(doc + "/trash").status_code == 302
    trash = web.get("/drive/trash").get_data(as_text=True)
    assert 'data-item="doc.txt"' in trash
    item_id = doc.rsplit("/", 1)[1]
    assert web.post(f"/drive/trash/{item_id}/restore").status_code == 302
    assert web.get(doc).status_code == 200
    web.post(doc + "/trash")
    web.post(f"/drive/trash/{item_id}/purge")
    assert web.get(doc).status_code == 404


def test_folder_upload_and_folder_rights_with_sub_departments(web, app, bob, departments):
    from tests.integration.drive.conftest import join_department

    root = _root(web)
    r = web.post(root + "/upload", data={"file": [(io.BytesIO(b"deep"), "Reports/2026/q1.txt")]},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    reports = _item_url(web.get(root).get_data(as_text=True), "Reports")
    page = web.get(reports).get_data(as_text=True)
    assert 'data-item="2026"' in page and 'id="drive-rights"' in page and "webkitdirectory" in page
    form = {"subject": ["department"], "id": [str(departments["sales"])], "level": ["read"], "subs": ["0"]}
    assert web.post(reports + "/rights", data=form).status_code == 302
    page = web.get(reports).get_data(as_text=True)
    assert "Department Sales (with sub-departments)" in page
    join_department(bob, departments["north"])
    with app.test_client() as other:
        other.post("/login", data={"email": bob.email, "password": "Quiet-bay-42"})
        listing = other.get(reports).get_data(as_text=True)
        assert 'data-item="2026"' in listing and 'id="drive-rights"' not in listing  # read: no form
