"""A CalDAV server killed in the middle of a sync, and one that answers garbage: the error
shows on the external calendar, the local copy stays as it was, the next sync recovers."""
from __future__ import annotations

import socket
import threading
import uuid

import caldav
import pytest

from calendars import caldav_client
from tests.integration.calendars.test_caldav_sync import RANGE, remote_text, remote_titles, sync, titles
from tests.support.databases import backend
from tests.support.mail_servers import Radicale


@pytest.fixture
def own_radicale():
    """A Radicale of this test's own (it gets killed)."""
    server = Radicale().start()
    yield server
    server.stop()


@pytest.fixture
def me(make_user, api_for):
    return api_for(make_user("cal@example.com"))


def _account(server) -> tuple[str, str, object]:
    user, password = f"u{uuid.uuid4().hex[:8]}", "Secret-pw-1"
    server.add_user(user, password)
    cal = caldav.DAVClient(url=server.url, username=user, password=password).principal().make_calendar(
        name="Work", cal_id="work")
    return user, password, cal


def test_a_server_killed_mid_sync_keeps_the_last_good_copy(me, own_radicale, monkeypatch):
    user, password, cal = _account(own_radicale)
    cal.save_event(remote_text("a@test", "First"))
    ext = me.post("/calendars/external", json={"name": "Work", "url": str(cal.url), "username": user,
                                               "password": password}).get_json()
    assert sync(me, ext)["state"] == "ok"
    cal.save_event(remote_text("b@test", "Second"))
    real_fetch = caldav_client.fetch

    def killed_after_listing(*args, **kw):
        own_radicale.proc.kill()  # the listing came back; the server dies before the download
        own_radicale.proc.wait()
        return real_fetch(*args, **kw)

    monkeypatch.setattr(caldav_client, "fetch", killed_after_listing)
    state = sync(me, ext)
    assert state["state"] == "error" and state["last_error"]
    assert titles(me, ext) == ["First"]
    items = me.get(f"/calendars/{ext['calendar_id']}/events{RANGE}").get_json()["items"]
    me.patch(f"/events/{items[0]['id']}", json={"title": "Changed while the server was down"})
    assert titles(me, ext) == ["Changed while the server was down"]
    monkeypatch.setattr(caldav_client, "fetch", real_fetch)
    own_radicale.start()  # back on the same port with the same data: nothing was lost
    assert sync(me, ext)["state"] == "ok"
    assert titles(me, ext) == ["Changed while the server was down", "Second"]
    assert remote_titles(cal) == ["Changed while the server was down", "Second"]


@pytest.fixture
def garbage_server():
    """A TCP server that answers every request with 200 and a body that is not XML."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                body = b"<html>this is not a calendar</html"
                conn.sendall(b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/cal/"
    stop.set()
    listener.close()


def test_garbage_shows_as_an_error(me, garbage_server):
    ext = me.post("/calendars/external", json={"name": "Junk", "url": garbage_server,
                                               "username": "x", "password": "y"}).get_json()
    state = sync(me, ext)
    assert state["state"] == "error" and "CalDAV" in state["last_error"]
    log = me.get(f"/calendars/external/{ext['id']}/log").get_json()["items"]
    assert log[0]["kind"] == "error"


@pytest.mark.skipif(backend() != "postgresql", reason="row locks with SKIP LOCKED are PostgreSQL's")
def test_a_calendar_another_worker_is_syncing_is_left_alone(me, app):
    from sqlalchemy import text

    from calendars.sync import sync_external
    from extensions import db

    ext = me.post("/calendars/external", json={"name": "Busy", "url": "http://127.0.0.1:9/",
                                               "username": "x", "password": "y"}).get_json()
    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM external_calendar WHERE id = :id FOR UPDATE"), {"id": ext["id"]})
        row = sync_external(ext["id"])
        assert row.last_sync_at is None and row.state == "never"
        db.session.rollback()
    assert sync_external(ext["id"]).state == "error"  # free again: it runs (and meets a closed port)
