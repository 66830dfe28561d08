"""Two-way sync with a real Radicale: both directions, edits, deletions, a conflict, a wrong
password, a server that is down, recurrence with an exception, the sync log."""
from __future__ import annotations

import uuid

import caldav
import pytest

from calendars.models import ExternalCalendar
from extensions import db

REMOTE_EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261201T100000Z
LAST-MODIFIED:{modified}
DTSTART:20261207T090000Z
DTEND:20261207T100000Z
SUMMARY:{title}
{extra}END:VEVENT
{more}END:VCALENDAR
"""
RANGE = "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"


def remote_text(uid: str, title: str, modified: str = "20261201T100000Z", extra: str = "",
                more: str = "") -> str:
    return REMOTE_EVENT.format(uid=uid, title=title, modified=modified, extra=extra, more=more)


@pytest.fixture
def remote(radicale):
    """A fresh Radicale account with one calendar: (user, password, caldav calendar)."""
    user, password = f"u{uuid.uuid4().hex[:8]}", "Secret-pw-1"
    radicale.add_user(user, password)
    client = caldav.DAVClient(url=radicale.url, username=user, password=password)
    cal = client.principal().make_calendar(name="Work", cal_id="work")
    return user, password, cal


@pytest.fixture
def me(make_user, api_for):
    return api_for(make_user("cal@example.com"))


def add_external(me, radicale, remote, *, url: str | None = None, password: str | None = None) -> dict:
    user, pw, _cal = remote
    resp = me.post("/calendars/external", json={"name": "Work", "url": url or radicale.url,
                                                "username": user, "password": password or pw})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def sync(me, ext: dict) -> dict:
    resp = me.post(f"/calendars/external/{ext['id']}/sync")
    assert resp.status_code == 200
    return resp.get_json()


def titles(me, ext: dict) -> list[str]:
    items = me.get(f"/calendars/{ext['calendar_id']}/events{RANGE}").get_json()["items"]
    return sorted(i["title"] for i in items)


def remote_titles(cal) -> list[str]:
    return sorted(str(e.icalendar_component["SUMMARY"]) for e in cal.events())


def test_the_server_root_is_discovered_and_the_password_is_encrypted(me, radicale, remote):
    ext = add_external(me, radicale, remote)
    state = sync(me, ext)
    assert state["state"] == "ok" and state["resolved_url"].rstrip("/").endswith("/work")
    stored = db.session.get(ExternalCalendar, ext["id"]).password_enc
    assert stored and remote[1] not in stored
    assert "password" not in state


def test_events_go_both_ways_with_edits_and_deletions(me, radicale, remote):
    cal = remote[2]
    cal.save_event(remote_text("r1@test", "From the server"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    assert titles(me, ext) == ["From the server"]
    made = me.post(f"/calendars/{ext['calendar_id']}/events",
                   json={"title": "From Flowdesk", "start": "2026-12-08T09:00:00Z"}).get_json()
    sync(me, ext)
    assert remote_titles(cal) == ["From Flowdesk", "From the server"]
    me.patch(f"/events/{made['id']}", json={"title": "Renamed here"})
    remote_obj = cal.event_by_uid("r1@test")
    remote_obj.data = remote_text("r1@test", "Renamed there", modified="20261203T100000Z")
    remote_obj.save()
    sync(me, ext)
    assert titles(me, ext) == ["Renamed here", "Renamed there"]
    assert remote_titles(cal) == ["Renamed here", "Renamed there"]
    me.delete(f"/events/{made['id']}")
    cal.event_by_uid("r1@test").delete()
    sync(me, ext)
    assert titles(me, ext) == [] and remote_titles(cal) == []


def test_a_conflict_goes_to_the_newest_side_and_into_the_log(me, radicale, remote):
    cal = remote[2]
    cal.save_event(remote_text("c1@test", "Original"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    event_id = me.get(f"/calendars/{ext['calendar_id']}/events{RANGE}").get_json()["items"][0]["id"]
    me.patch(f"/events/{event_id}", json={"title": "Local edit"})
    obj = cal.event_by_uid("c1@test")
    obj.data = remote_text("c1@test", "Server edit, later", modified="20991231T000000Z")
    obj.save()
    sync(me, ext)
    assert titles(me, ext) == ["Server edit, later"]
    log = me.get(f"/calendars/external/{ext['id']}/log").get_json()["items"]
    assert any(e["kind"] == "conflict" and "server's copy is newer" in e["message"] for e in log)


def test_a_wrong_password_or_a_dead_server_keeps_the_last_good_copy(me, radicale, remote):
    cal = remote[2]
    cal.save_event(remote_text("k1@test", "Kept"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    me.patch(f"/calendars/external/{ext['id']}", json={"password": "wrong"})
    state = sync(me, ext)
    assert state["state"] == "error" and "password" in state["last_error"]
    assert titles(me, ext) == ["Kept"]
    me.patch(f"/calendars/external/{ext['id']}", json={"password": remote[1],
                                                        "url": "http://127.0.0.1:9/cal/"})
    state = sync(me, ext)
    assert state["state"] == "error" and "connect" in state["last_error"].lower()
    assert titles(me, ext) == ["Kept"]


def test_loopback_is_refused_unless_allowed(me, radicale, remote, monkeypatch):
    monkeypatch.setenv("FLOWDESK_ALLOWED_PRIVATE_HOSTS", "")
    ext = add_external(me, radicale, remote)
    state = sync(me, ext)
    assert state["state"] == "error" and "not allowed" in state["last_error"]


def test_bad_input_names_the_field(me):
    resp = me.post("/calendars/external", json={"name": "", "url": "ftp://example.com/"})
    assert resp.status_code == 422 and set(resp.get_json()["fields"]) == {"name", "url"}


def test_recurrence_with_an_exception_from_the_server(me, radicale, remote):
    cal = remote[2]
    moved = ("BEGIN:VEVENT\nUID:rec@test\nDTSTAMP:20261201T100000Z\nRECURRENCE-ID:20261209T090000Z\n"
             "DTSTART:20261209T150000Z\nDTEND:20261209T160000Z\nSUMMARY:Weekly (moved)\nEND:VEVENT\n")
    cal.save_event(remote_text("rec@test", "Weekly", extra="RRULE:FREQ=DAILY;COUNT=4\n"
                               "EXDATE:20261208T090000Z\n", more=moved))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    items = me.get(f"/calendars/{ext['calendar_id']}/events{RANGE}").get_json()["items"]
    assert [(i["start"], i["title"]) for i in items] == [
        ("2026-12-07T09:00:00Z", "Weekly"), ("2026-12-09T15:00:00Z", "Weekly (moved)"),
        ("2026-12-10T09:00:00Z", "Weekly")]


def test_later_syncs_ask_for_the_changes_since_the_last_token(me, radicale, remote, monkeypatch):
    from calendars import caldav_client

    cal = remote[2]
    cal.save_event(remote_text("t1@test", "One"))
    cal.save_event(remote_text("t2@test", "Two"))
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    full_listings = []
    real_listing = caldav_client.listing
    monkeypatch.setattr(caldav_client, "listing", lambda client, url, depth=1: (
        full_listings.append(depth) if depth else None) or real_listing(client, url, depth))
    obj = cal.event_by_uid("t1@test")
    obj.data = remote_text("t1@test", "One, changed", modified="20261205T100000Z")
    obj.save()
    cal.event_by_uid("t2@test").delete()
    sync(me, ext)
    assert titles(me, ext) == ["One, changed"] and full_listings == []  # RFC 6578, no full listing
    log = me.get(f"/calendars/external/{ext['id']}/log").get_json()["items"]
    assert log[0]["message"] == "deleted here 1, pulled 1"
