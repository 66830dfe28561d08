"""Paged folder listings (API and page) and public links to folders (API and pages)."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest

from tests.integration.drive.conftest import folder, root_of, upload

PASSWORD = "Quiet-bay-42"


def _grant(api, item: int, *entries: dict) -> None:
    r = api.put(f"/drive/items/{item}/rights", list(entries))
    assert r.status_code == 200, r.json


def _all_pages(api, parent: int, limit: int) -> tuple[list[dict], set[int]]:
    seen, totals, cursor = [], set(), None
    while True:
        r = api.get(f"/drive/items?parent={parent}&limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.json
        assert len(r.json["items"]) <= limit
        seen += r.json["items"]
        totals.add(r.json["total"])
        cursor = r.json["next"]
        if cursor is None:
            return seen, totals
        assert len(r.json["items"]) == limit  # hidden children are left out in SQL: pages stay full


def test_paged_listing_returns_every_item_once(ann_api, bob_api, bob, client, ann):
    box = folder(ann_api, root_of(ann_api), "Box")
    names = [f"f{n:02d}.txt" for n in range(20)] + ["B.txt", "a.txt", "a b.txt"]
    made = upload(ann_api, box, *[(n, n.encode()) for n in names]).json["items"]
    folders = [folder(ann_api, box, n) for n in ("zeta", "Alpha", "mid")]
    hidden = made[3]["id"]
    _grant(ann_api, box, {"subject": "user", "id": bob.id, "level": "read"})
    _grant(ann_api, hidden, {"subject": "user", "id": bob.id, "level": "none"})

    seen, totals = _all_pages(ann_api, box, 7)
    ids = [i["id"] for i in seen]
    assert len(ids) == len(set(ids)) == 26 and totals == {26}
    assert [i["kind"] for i in seen[:3]] == ["folder"] * 3 and set(ids[:3]) == set(folders)
    bobs, bob_totals = _all_pages(bob_api, box, 5)
    assert sorted(i["id"] for i in bobs) == sorted(set(ids) - {hidden}) and bob_totals == {25}

    assert ann_api.get(f"/drive/items?parent={box}&limit=0").status_code == 422
    # Not JSON; a name with NUL; a name with a lone surrogate.
    for cursor in ("bm9wZQ", "W3RydWUsICJhXHUwMDAwYiIsIDVd", "W3RydWUsICJcdWQ4MDAiLCA1XQ"):
        bad = ann_api.get(f"/drive/items?parent={box}&cursor={cursor}")
        assert bad.status_code == 422 and "cursor" in bad.json["fields"]
    capped = ann_api.get(f"/drive/items?parent={box}&limit=99999")
    assert capped.status_code == 200 and len(capped.json["items"]) == 26 and capped.json["next"] is None

    # The page: the first rows and a row that loads the next page when revealed (htmx).
    from web.pages import drive as drive_pages

    drive_pages.PAGE_SIZE = 10
    try:
        client.post("/login", data={"email": ann.email, "password": PASSWORD})
        page = client.get(f"/drive/items/{box}").get_data(as_text=True)
    finally:
        drive_pages.PAGE_SIZE = 100
    assert page.count("<tr data-item=") == 10 and "26 items" in page
    assert 'hx-trigger="revealed"' in page
    more = page.split('id="drive-more" data-drive-more hx-get="')[1].split('"')[0].replace("&amp;", "&")
    rest = client.get(more).get_data(as_text=True)
    assert rest.count("<tr data-item=") == 16 and "drive-more" not in rest


def _zip_names(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


@pytest.fixture
def shared_tree(ann_api) -> dict:
    """Ann's drive: private.txt beside Shared/ (plan.txt, Inner/deep.txt)."""
    root = root_of(ann_api)
    shared = folder(ann_api, root, "Shared")
    inner = folder(ann_api, shared, "Inner")
    return {"root": root, "shared": shared, "inner": inner,
            "outside": upload(ann_api, root, ("private.txt", b"private")).json["items"][0]["id"],
            "plan": upload(ann_api, shared, ("plan.txt", b"plan")).json["items"][0]["id"],
            "deep": upload(ann_api, inner, ("deep.txt", b"deep")).json["items"][0]["id"]}


def test_folder_public_link_api(shared_tree, ann_api, bob_api, client, app):
    t = shared_tree
    assert bob_api.post(f"/drive/items/{t['shared']}/links", {}).status_code == 404  # no share right
    # A password (argon2: each check is slow, so only a few requests carry it).
    locked = ann_api.post(f"/drive/items/{t['shared']}/links", {"password": "open sesame"}).json
    assert client.get(locked["url"]).status_code == 401
    top = client.get(locked["url"], headers={"X-Link-Password": "open sesame"})
    assert top.status_code == 200 and top.json["total"] == 2
    assert [i["name"] for i in top.json["items"]] == ["Inner", "plan.txt"]

    link = ann_api.post(f"/drive/items/{t['shared']}/links", {}).json
    url = link["url"]
    below = client.get(f"{url}?folder={t['inner']}").json
    assert [i["name"] for i in below["items"]] == ["deep.txt"]
    assert [p["name"] for p in below["path"]] == ["Shared", "Inner"]  # nothing above the link's folder
    for above in (t["root"], t["outside"]):
        assert client.get(f"{url}?folder={above}").status_code == 404
        assert client.get(f"{url}/items/{above}/content").status_code == 404
    assert client.get(f"{url}/items/{t['deep']}/content").data == b"deep"
    zipped = client.get(f"{url}/zip")
    assert zipped.mimetype == "application/zip"
    assert _zip_names(zipped.data) == {"Inner/": b"", "Inner/deep.txt": b"deep", "plan.txt": b"plan"}
    app.config["DRIVE_ZIP_MAX"] = 5
    assert client.get(f"{url}/zip").status_code == 413
    app.config.pop("DRIVE_ZIP_MAX")

    _expire(locked["id"])
    assert client.get(locked["url"], headers={"X-Link-Password": "open sesame"}).status_code == 404
    assert ann_api.delete(f"/drive/links/{link['id']}").status_code == 200
    assert client.get(url).status_code == 404


def test_folder_public_link_pages(shared_tree, ann_api, client):
    from web.pages import drive_public

    t = shared_tree
    locked = ann_api.post(f"/drive/items/{t['shared']}/links", {"password": "open sesame"}).json
    assert client.get(locked["page_url"]).status_code == 401  # the page asks once per browser session
    assert client.post(locked["page_url"], data={"password": "wrong"}).status_code == 401
    assert client.post(locked["page_url"], data={"password": "open sesame"}).status_code == 302
    html = client.get(locked["page_url"]).get_data(as_text=True)
    assert 'data-item="plan.txt"' in html and 'data-item="Inner"' in html and "private.txt" not in html
    page_url = locked["page_url"]
    for above in (t["root"], t["outside"]):
        assert client.get(f"{page_url}?folder={above}").status_code == 404
        assert client.get(f"{page_url}/files/{above}").status_code == 404
    drive_public.PAGE_SIZE = 1  # the public page loads more rows as one scrolls, too
    try:
        first = client.get(page_url).get_data(as_text=True)
        more = first.split('data-drive-more hx-get="')[1].split('"')[0].replace("&amp;", "&")
        rest = client.get(more).get_data(as_text=True)
    finally:
        drive_public.PAGE_SIZE = 100
    assert 'data-item="Inner"' in first and 'data-item="plan.txt"' in rest and "data-drive-more" not in rest
    assert client.get(f"{page_url}/files/{t['plan']}").data == b"plan"
    assert _zip_names(client.get(f"{page_url}/zip?folder={t['inner']}").data) == {"deep.txt": b"deep"}

    single = ann_api.post(f"/drive/items/{t['plan']}/links", {}).json  # a file link's page offers the file
    assert 'id="public-download"' in client.get(single["page_url"]).get_data(as_text=True)
    assert client.get(f"{single['page_url']}/files/{t['plan']}").data == b"plan"
    assert client.get(f"{single['page_url']}/files/{t['deep']}").status_code == 404
    _expire(locked["id"])
    assert client.get(page_url).status_code == 404
    assert ann_api.delete(f"/drive/links/{single['id']}").status_code == 200
    assert client.get(single["page_url"]).status_code == 404


def _expire(link_id: int) -> None:
    from drive.models import DriveLink
    from extensions import db
    from org.models import utcnow
    from transactions import unit_of_work

    with unit_of_work():
        db.session.get(DriveLink, link_id).expires_at = utcnow() - timedelta(minutes=1)
