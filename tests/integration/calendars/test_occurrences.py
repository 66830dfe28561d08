"""One occurrence of a recurring event: moved alone (a RECURRENCE-ID override), deleted alone
(an EXDATE), or the series split ("this and following"); and the override round-trips
through a real Radicale like any change."""
from __future__ import annotations

import pytest

from tests.integration.calendars.test_caldav_sync import add_external, remote, sync  # noqa: F401

RANGE = "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"


@pytest.fixture
def me(make_user, api_for):
    return api_for(make_user("occ@example.com"))


def own_calendar_id(api) -> int:
    return next(c["id"] for c in api.get("/calendars").get_json()["items"] if c["kind"] == "personal")


def series(api, cal_id: int, rule: str = "FREQ=DAILY;COUNT=4") -> dict:
    resp = api.post(f"/calendars/{cal_id}/events", json={
        "title": "Daily", "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z", "rrule": rule})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def listed(api, cal_id: int) -> list[tuple[str, str]]:
    items = api.get(f"/calendars/{cal_id}/events{RANGE}").get_json()["items"]
    return [(i["start"], i["title"]) for i in items]


def test_one_occurrence_moves_and_another_goes(me):
    cal_id = own_calendar_id(me)
    event = series(me, cal_id)
    url = f"/events/{event['id']}/occurrences/2026-12-08T09:00:00Z"
    resp = me.patch(url, json={"start": "2026-12-08T15:00:00Z", "title": "Daily (late)"})
    assert resp.status_code == 200, resp.get_json()
    assert me.delete(f"/events/{event['id']}/occurrences/2026-12-09T09:00:00Z").status_code == 204
    assert listed(me, cal_id) == [("2026-12-07T09:00:00Z", "Daily"), ("2026-12-08T15:00:00Z", "Daily (late)"),
                                  ("2026-12-10T09:00:00Z", "Daily")]
    again = me.patch(url, json={"start": "2026-12-08T16:00:00Z"})  # the override moves again
    assert again.status_code == 200
    assert ("2026-12-08T16:00:00Z", "Daily (late)") in listed(me, cal_id)
    assert me.get(f"/events/{event['id']}").get_json()["start"] == "2026-12-07T09:00:00Z"


def test_this_and_following_splits_the_series(me):
    cal_id = own_calendar_id(me)
    event = series(me, cal_id)
    resp = me.patch(f"/events/{event['id']}/occurrences/2026-12-09T09:00:00Z?scope=following",
                    json={"title": "Daily, new time", "start": "2026-12-09T11:00:00Z"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["id"] != event["id"] and resp.get_json()["rrule"] == "FREQ=DAILY;COUNT=2"
    assert resp.get_json()["end"] == "2026-12-09T12:00:00Z"  # moved, the hour's length kept
    assert listed(me, cal_id) == [
        ("2026-12-07T09:00:00Z", "Daily"), ("2026-12-08T09:00:00Z", "Daily"),
        ("2026-12-09T11:00:00Z", "Daily, new time"), ("2026-12-10T11:00:00Z", "Daily, new time")]
    gone = me.delete(f"/events/{resp.get_json()['id']}/occurrences/2026-12-10T11:00:00Z?scope=following")
    assert gone.status_code == 204 and len(listed(me, cal_id)) == 3


def test_bad_occurrences_and_scopes_name_the_field(me):
    event = series(me, own_calendar_id(me))
    base = f"/events/{event['id']}/occurrences"
    assert me.patch(f"{base}/2026-12-08T10:00:00Z", json={}).get_json()["fields"] == {
        "recurrence_id": "No occurrence of the event starts then"}
    assert "scope" in me.delete(f"{base}/2026-12-08T09:00:00Z?scope=all").get_json()["fields"]
    assert "rrule" in me.patch(f"{base}/2026-12-08T09:00:00Z", json={"rrule": None}).get_json()["fields"]
    assert me.patch(f"{base}/yesterday", json={}).status_code == 422


def test_an_override_round_trips_through_caldav(me, radicale, remote):  # noqa: F811
    cal = remote[2]
    ext = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, ext)
    event = series(me, ext["calendar_id"], "FREQ=DAILY;COUNT=3")
    sync(me, ext)  # the series goes to the server
    resp = me.patch(f"/events/{event['id']}/occurrences/2026-12-08T09:00:00Z",
                    json={"start": "2026-12-08T14:00:00Z", "title": "Moved"})
    assert resp.status_code == 200
    assert sync(me, ext)["state"] == "ok"
    text = cal.event_by_uid(event["uid"]).data
    assert "RECURRENCE-ID" in text and "SUMMARY:Moved" in text
    # a second copy of the same server calendar reads the series back with its moved occurrence
    other = add_external(me, radicale, remote, url=str(cal.url))
    sync(me, other)
    assert listed(me, other["calendar_id"]) == [
        ("2026-12-07T09:00:00Z", "Daily"), ("2026-12-08T14:00:00Z", "Moved"),
        ("2026-12-09T09:00:00Z", "Daily")]
