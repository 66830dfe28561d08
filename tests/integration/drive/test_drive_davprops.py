"""WebDAV dead properties live in the database: they survive a new server (a restart), follow
the item on MOVE, are copied on COPY, stay in the trash, go on purge, and need the edit right."""
from __future__ import annotations

import threading

import httpx
import pytest
from werkzeug.serving import make_server

from tests.integration.drive.conftest import upload

NS = "http://example.com/flowdesk-test/"


def proppatch(name: str, value: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:t="{NS}">'
            f"<D:set><D:prop><t:{name}>{value}</t:{name}></D:prop></D:set></D:propertyupdate>").encode()


def propfind(name: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:t="{NS}">'
            f"<D:prop><t:{name}/></D:prop></D:propfind>").encode()


@pytest.fixture(scope="module")
def dav_server(_migrated_app):
    """A fresh WebDAV app (its own wsgidav and property manager), as after a restart."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from drive.dav import PREFIX, dav_app

    servers = []

    def start() -> str:
        wsgi = DispatcherMiddleware(NotFound(), {PREFIX: dav_app(_migrated_app)})
        srv = make_server("127.0.0.1", 0, wsgi, threaded=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_port}{PREFIX}"

    yield start
    for srv in servers:
        srv.shutdown()


def client_for(user) -> httpx.Client:
    from tests.integration.drive.test_drive_dav import token_of

    return httpx.Client(auth=(user.email, token_of(user)), timeout=60)


def prop_of(client: httpx.Client, url: str, name: str) -> str | None:
    """The property's text, None when the server answers 404 for it."""
    from lxml import etree

    answer = client.request("PROPFIND", url, content=propfind(name), headers={"Depth": "0"})
    assert answer.status_code == 207, answer.text
    found = etree.fromstring(answer.content).find(f".//{{{NS}}}{name}/../../{{DAV:}}status")
    if "200" not in found.text:
        return None
    return etree.fromstring(answer.content).find(f".//{{{NS}}}{name}").text


def test_dead_properties_survive_a_restart_follow_move_and_copy(dav_server, ann, ann_api):
    ann_api.post("/drive/items", {"parent": ann_api.get("/drive/items").json["folder"]["id"],
                                  "name": "Plans"})
    plans = ann_api.get("/drive/search?q=Plans").json["items"][0]["id"]
    assert upload(ann_api, plans, ("a.txt", b"alpha")).status_code == 201
    first = dav_server()
    home = f"/user-{ann.id}"
    with client_for(ann) as dav:
        assert dav.request("PROPPATCH", f"{first}{home}/Plans/a.txt",
                           content=proppatch("colour", "red")).status_code == 207
        assert dav.request("PROPPATCH", f"{first}{home}/Plans/",
                           content=proppatch("colour", "blue")).status_code == 207
    second = dav_server()  # a new wsgidav app: nothing kept in its memory
    with client_for(ann) as dav:
        assert prop_of(dav, f"{second}{home}/Plans/a.txt", "colour") == "red"
        moved = dav.request("MOVE", f"{second}{home}/Plans/",
                            headers={"Destination": f"{second}{home}/Moved/"})
        assert moved.status_code in (201, 204)
        assert prop_of(dav, f"{second}{home}/Moved/a.txt", "colour") == "red"
        assert prop_of(dav, f"{second}{home}/Moved/", "colour") == "blue"
        copied = dav.request("COPY", f"{second}{home}/Moved/",
                             headers={"Destination": f"{second}{home}/Copy/"})
        assert copied.status_code in (201, 204)
        assert prop_of(dav, f"{second}{home}/Copy/a.txt", "colour") == "red"
        dav.request("PROPPATCH", f"{second}{home}/Copy/a.txt", content=proppatch("colour", "green"))
        assert prop_of(dav, f"{second}{home}/Moved/a.txt", "colour") == "red"  # the copy is its own


def test_proppatch_needs_edit_and_props_go_with_purge(dav_server, ann, bob, ann_api):
    from sqlalchemy import func, select

    from drive.dav_props import DriveDavProp
    from extensions import db

    root = ann_api.get("/drive/items").json["folder"]["id"]
    iid = upload(ann_api, root, ("shared.txt", b"s")).json["items"][0]["id"]
    ann_api.put(f"/drive/items/{iid}/rights", [{"subject": "user", "id": bob.id, "level": "read"}])
    base = dav_server()
    url = f"{base}/user-{ann.id}/shared.txt"
    with client_for(bob) as dav:
        refused = dav.request("PROPPATCH", url, content=proppatch("note", "bob was here"))
        assert refused.status_code in (403, 207) and "403" in (refused.text or "403")
        assert prop_of(dav, url, "note") is None
    ann_api.put(f"/drive/items/{iid}/rights", [{"subject": "user", "id": bob.id, "level": "edit"}])
    with client_for(bob) as dav:
        assert dav.request("PROPPATCH", url, content=proppatch("note", "edited")).status_code == 207
        assert prop_of(dav, url, "note") == "edited"
    assert ann_api.delete(f"/drive/items/{iid}").status_code in (200, 204)
    count = select(func.count()).select_from(DriveDavProp).where(DriveDavProp.item_id == iid)
    assert db.session.scalar(count) == 1  # in the trash it keeps its properties
    assert ann_api.delete(f"/drive/trash/{iid}").status_code in (200, 204)
    db.session.rollback()
    assert db.session.scalar(count) == 0
