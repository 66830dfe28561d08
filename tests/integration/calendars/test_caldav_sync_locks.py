"""A sync writes nothing while it talks to the CalDAV server: on SQLite another writer is not
held behind a slow server (the database has one write lock), on PostgreSQL the rows the sync
changes are not locked through the requests; and two syncs of one calendar at once store one
result."""
from __future__ import annotations

import sqlite3
import uuid

import caldav
import pytest
from sqlalchemy import text

from calendars import caldav_client
from extensions import db
from tests.integration.calendars.test_caldav_sync import (
    add_external,
    remote_text,
    remote_titles,
    sync,
    titles,
)
from tests.support.databases import backend


@pytest.fixture
def remote(radicale):
    """A fresh Radicale account with one calendar: (user, password, caldav calendar)."""
    user, password = f"u{uuid.uuid4().hex[:8]}", "Secret-pw-1"
    radicale.add_user(user, password)
    cal = caldav.DAVClient(url=radicale.url, username=user, password=password).principal().make_calendar(
        name="Work", cal_id="work")
    return user, password, cal


@pytest.fixture
def me(make_user, api_for):
    return api_for(make_user("cal@example.com"))


def _another_writer_can_write(calendar_id: int) -> bool:
    """Whether another connection can write the calendar's events now (not waiting for a lock)."""
    if backend() == "sqlite":
        other = sqlite3.connect(db.engine.url.database, timeout=0.3)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE calendar_event SET title = title WHERE calendar_id = ?", (calendar_id,))
            return True
        except sqlite3.OperationalError:  # database is locked
            return False
        finally:
            other.rollback()
            other.close()
    with db.engine.connect() as other:
        try:
            other.execute(text("SET lock_timeout = '300ms'"))
            other.execute(text("UPDATE calendar_event SET title = title WHERE calendar_id = :c"),
                          {"c": calendar_id})
            return True
        except Exception:  # lock timeout: a row the sync changed is locked
            return False
        finally:
            other.rollback()


def test_nothing_is_locked_while_the_server_is_asked(me, radicale, remote, monkeypatch):
    cal = remote[2]
    cal.save_event(remote_text("r1@test", "From the server"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    made = me.post(f"/calendars/{ext['calendar_id']}/events",
                   json={"title": "From Flowdesk", "start": "2026-12-08T09:00:00Z"}).get_json()
    assert sync(me, ext)["state"] == "ok"
    me.patch(f"/events/{made['id']}", json={"title": "Renamed here"})
    remote_obj = cal.event_by_uid("r1@test")
    remote_obj.data = remote_text("r1@test", "Renamed there", modified="20261203T100000Z")
    remote_obj.save()
    free: dict[str, bool] = {}

    def probing(name: str, real):
        def call(*args, **kw):
            free[name] = _another_writer_can_write(ext["calendar_id"])
            return real(*args, **kw)
        return call

    monkeypatch.setattr(caldav_client, "fetch", probing("fetch", caldav_client.fetch))
    monkeypatch.setattr(caldav_client, "put", probing("put", caldav_client.put))
    assert sync(me, ext)["state"] == "ok"
    assert free == {"fetch": True, "put": True}  # the pull's change was not written before the push
    assert titles(me, ext) == ["Renamed here", "Renamed there"]
    assert remote_titles(cal) == ["Renamed here", "Renamed there"]


def test_a_sync_that_finishes_first_wins_and_the_other_keeps_its_result(me, radicale, remote, monkeypatch):
    """SQLite has no row lock to keep two syncs apart: the later writer drops its own result."""
    from calendars.sync import sync_external

    cal = remote[2]
    cal.save_event(remote_text("r1@test", "First"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    real_fetch = caldav_client.fetch
    inner: dict[str, object] = {}

    def fetch_then_another_sync(*args, **kw):
        monkeypatch.setattr(caldav_client, "fetch", real_fetch)
        if backend() == "sqlite":  # the other sync runs to its commit meanwhile (PostgreSQL: row lock)
            inner["state"] = sync(me, ext)["state"]
        return real_fetch(*args, **kw)

    monkeypatch.setattr(caldav_client, "fetch", fetch_then_another_sync)
    row = sync_external(ext["id"])
    db.session.commit()
    if backend() == "sqlite":
        assert inner == {"state": "ok"}
    assert row.state == "ok"
    assert titles(me, ext) == ["First"]  # one copy of the event, not two, and no error


def test_an_event_edited_here_during_the_sync_is_not_undone(me, radicale, remote, monkeypatch):
    cal = remote[2]
    ext = add_external(me, radicale, remote, url=str(cal.url))
    made = me.post(f"/calendars/{ext['calendar_id']}/events",
                   json={"title": "First title", "start": "2026-12-08T09:00:00Z"}).get_json()
    real_put = caldav_client.put

    def put_while_someone_edits(*args, **kw):
        answer = real_put(*args, **kw)  # the server has "First title"
        # someone edits it here meanwhile (a request of its own, committed)
        assert me.patch(f"/events/{made['id']}", json={"title": "Edited meanwhile"}).status_code == 200
        return answer

    monkeypatch.setattr(caldav_client, "put", put_while_someone_edits)
    assert sync(me, ext)["state"] == "ok"
    monkeypatch.setattr(caldav_client, "put", real_put)
    assert titles(me, ext) == ["Edited meanwhile"]  # the sync did not mark the edit as synced
    log = me.get(f"/calendars/external/{ext['id']}/log").get_json()["items"]
    assert any(e["kind"] == "conflict" and "changed here during the sync" in e["message"] for e in log)
    assert sync(me, ext)["state"] == "ok"
    assert sync(me, ext)["state"] == "ok"
    assert remote_titles(cal) == ["Edited meanwhile"]  # the edit reached the server
