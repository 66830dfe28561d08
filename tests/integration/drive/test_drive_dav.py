"""WebDAV at /dav/files against the app served by a real WSGI server: the webdav4 client,
locks, rights, and the litmus suites basic, copymove, props and locks."""
from __future__ import annotations

import io
import shutil
import subprocess
import threading

import httpx
import pytest
from webdav4.client import Client, ResourceAlreadyExists
from werkzeug.serving import make_server

LOCK_BODY = (b'<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
             b"</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>")


@pytest.fixture(scope="module")
def server(_migrated_app):
    """The whole app (pages, API, /dav/files) in a threaded WSGI server on a free port."""
    srv = make_server("127.0.0.1", 0, _migrated_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join()


def token_of(user) -> str:
    from org.services.tokens import issue_token
    from transactions import unit_of_work

    with unit_of_work():
        token, _row = issue_token(user)
    return token


@pytest.fixture
def ann_dav(server, ann):
    base = f"{server}/dav/files/user-{ann.id}/"
    return Client(base, auth=(ann.email, token_of(ann)), timeout=60)


def test_client_round_trip_versions_and_trash(ann_dav, ann_api):
    ann_dav.mkdir("Reports")
    ann_dav.upload_fileobj(io.BytesIO(b"first"), "Reports/q1.txt")
    ann_dav.upload_fileobj(io.BytesIO(b"second"), "Reports/q1.txt", overwrite=True)
    with pytest.raises(ResourceAlreadyExists):
        ann_dav.upload_fileobj(io.BytesIO(b"x"), "Reports/q1.txt")
    listing = ann_dav.ls("Reports", detail=True)
    assert [(e["name"].rsplit("/", 1)[-1], e["content_length"]) for e in listing] == [("q1.txt", 6)]
    out = io.BytesIO()
    ann_dav.download_fileobj("Reports/q1.txt", out)
    assert out.getvalue() == b"second"
    item = ann_api.get("/drive/search?q=q1").json["items"][0]
    assert item["version"] == 2  # every save over WebDAV is a version
    ann_dav.copy("Reports/q1.txt", "Reports/q1 copy.txt")
    ann_dav.move("Reports/q1 copy.txt", "moved.txt")
    assert ann_dav.exists("moved.txt") and not ann_dav.exists("Reports/q1 copy.txt")
    ann_dav.remove("Reports")
    assert not ann_dav.exists("Reports")
    assert [i["name"] for i in ann_api.get("/drive/trash").json["items"]] == ["Reports"]


def test_locks_keep_out_a_second_writer(server, ann, ann_dav):
    ann_dav.upload_fileobj(io.BytesIO(b"v1"), "doc.odt")
    url = f"{server}/dav/files/user-{ann.id}/doc.odt"
    office = httpx.Client(auth=(ann.email, token_of(ann)), timeout=60)
    other = httpx.Client(auth=(ann.email, token_of(ann)), timeout=60)
    locked = office.request("LOCK", url, content=LOCK_BODY, headers={"Timeout": "Second-600"})
    assert locked.status_code == 200
    token = locked.headers["Lock-Token"]
    assert other.put(url, content=b"intruder").status_code == 423
    assert office.put(url, content=b"v2", headers={"If": f"({token})"}).status_code in (200, 204)
    assert office.request("UNLOCK", url, headers={"Lock-Token": token}).status_code == 204
    assert other.put(url, content=b"v3").status_code in (200, 204)
    assert other.get(url).content == b"v3"


def test_rights_hold_over_webdav(server, ann, bob, ann_dav, ann_api):
    ann_dav.mkdir("Shared")
    ann_dav.upload_fileobj(io.BytesIO(b"for bob"), "Shared/b.txt")
    bob_dav = Client(f"{server}/dav/files/user-{ann.id}/", auth=(bob.email, token_of(bob)), timeout=60)
    assert not bob_dav.exists("Shared/b.txt")
    shared = ann_api.get("/drive/search?q=Shared").json["items"][0]["id"]
    ann_api.put(f"/drive/items/{shared}/rights", [{"subject": "user", "id": bob.id, "level": "read"}])
    out = io.BytesIO()
    bob_dav.download_fileobj("Shared/b.txt", out)
    assert out.getvalue() == b"for bob"
    put = httpx.put(f"{server}/dav/files/user-{ann.id}/Shared/b.txt", content=b"mine",
                    auth=(bob.email, token_of(bob)))
    assert put.status_code == 403
    wrong = httpx.request("PROPFIND", f"{server}/dav/files/", auth=(bob.email, "fd_wrong"))
    assert wrong.status_code == 401
    someone_else = httpx.request("PROPFIND", f"{server}/dav/files/", auth=(ann.email, token_of(bob)))
    assert someone_else.status_code == 401  # the token must be the e-mail's own


def test_litmus(server, ann, tmp_path):
    litmus = shutil.which("litmus")
    assert litmus, "litmus is missing: run scripts/system-deps.sh (Debian package litmus)"
    url = f"{server}/dav/files/user-{ann.id}/"
    done = subprocess.run([litmus, url, ann.email, token_of(ann)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=500,
                          env={"TESTS": "basic copymove props locks", "PATH": "/usr/bin"})
    summaries = [line for line in done.stdout.splitlines() if line.startswith("<- summary")]
    assert len(summaries) == 4, done.stdout[-3000:]
    assert all(" 0 failed" in line for line in summaries), "\n".join(summaries) + done.stdout[-3000:]


def test_api_save_of_a_file_locked_over_webdav_is_423(server, ann, ann_dav, ann_api):
    ann_dav.upload_fileobj(io.BytesIO(b"v1"), "held.odt")
    url = f"{server}/dav/files/user-{ann.id}/held.odt"
    office = httpx.Client(auth=(ann.email, token_of(ann)), timeout=60)
    locked = office.request("LOCK", url, content=LOCK_BODY, headers={"Timeout": "Second-600"})
    iid = ann_api.get("/drive/search?q=held").json["items"][0]["id"]
    refused = ann_api.put(f"/drive/items/{iid}/content", data=b"from the browser")
    assert refused.status_code == 423 and "locked" in refused.json["error"]
    office.request("UNLOCK", url, headers={"Lock-Token": locked.headers["Lock-Token"]})
    assert ann_api.put(f"/drive/items/{iid}/content", data=b"now").status_code == 201
    assert [v["number"] for v in ann_api.get(f"/drive/items/{iid}/versions").json["items"]] == [2, 1]


def test_two_web_processes_share_locks_through_redis(_migrated_app, ann, ann_dav):
    """Two WebDAV servers (as two web processes) with FLOWDESK_DAV_LOCK_REDIS: a lock taken
    through one keeps a writer on the other out."""
    import os
    import uuid

    from drive.dav import dav_app

    redis_url = os.environ.get("FLOWDESK_TEST_REDIS", "redis://127.0.0.1:6379/0")
    _migrated_app.config["DAV_LOCK_REDIS_URL"] = redis_url
    try:
        servers = [make_server("127.0.0.1", 0, dav_app(_migrated_app), threaded=True) for _ in range(2)]
    finally:
        _migrated_app.config["DAV_LOCK_REDIS_URL"] = None
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        name = f"shared-{uuid.uuid4().hex[:8]}.odt"  # Redis outlives the test database
        ann_dav.upload_fileobj(io.BytesIO(b"v1"), name)
        urls = [f"http://127.0.0.1:{s.server_port}/user-{ann.id}/{name}" for s in servers]
        auth = (ann.email, token_of(ann))
        locked = httpx.request("LOCK", urls[0], content=LOCK_BODY, auth=auth,
                               headers={"Timeout": "Second-60"})
        assert locked.status_code == 200
        assert httpx.put(urls[1], content=b"other process", auth=auth).status_code == 423
        httpx.request("UNLOCK", urls[0], auth=auth, headers={"Lock-Token": locked.headers["Lock-Token"]})
        assert httpx.put(urls[1], content=b"v2", auth=auth).status_code in (200, 204)
    finally:
        for srv in servers:
            srv.shutdown()
