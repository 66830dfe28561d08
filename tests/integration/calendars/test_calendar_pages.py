"""The calendar page and the session JSON routes its script uses (create, move, delete)."""
from __future__ import annotations

import caldav
import pytest

from calendars.models import ExternalCalendar
from extensions import db

RANGE = "?start=2026-12-01T00:00:00Z&end=2027-01-01T00:00:00Z"


@pytest.fixture
def logged_in(client, make_user):
    user = make_user("page@example.com")
    client.post("/login", data={"email": user.email, "password": "Quiet-bay-42"})
    return user


def own_calendar_id(client) -> int:
    html = client.get("/calendar").get_data(as_text=True)
    return int(html.split('<option value="', 1)[1].split('"', 1)[0])


def test_the_page_loads_its_module_and_lists_the_calendars(client, logged_in):
    resp = client.get("/calendar")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "calendar.js" in html and 'id="calendar"' in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_create_move_and_delete_through_the_page_routes(client, logged_in):
    cal_id = own_calendar_id(client)
    made = client.post(f"/calendar/{cal_id}/events.json", json={
        "title": "Demo", "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z"})
    assert made.status_code == 201
    event_id = made.get_json()["id"]
    moved = client.patch(f"/calendar/events/{event_id}.json", json={
        "start": "2026-12-08T13:00:00Z", "end": "2026-12-08T15:00:00Z", "all_day": False})
    assert moved.get_json()["end"] == "2026-12-08T15:00:00Z"
    items = client.get(f"/calendar/{cal_id}/events.json{RANGE}").get_json()
    assert [(i["title"], i["start"]) for i in items] == [("Demo", "2026-12-08T13:00:00Z")]
    bad = client.post(f"/calendar/{cal_id}/events.json", json={"start": "2026-12-07"})
    assert bad.status_code == 422 and "title" in bad.get_json()["fields"]
    assert client.delete(f"/calendar/events/{event_id}.json").status_code == 204
    assert client.get(f"/calendar/{cal_id}/events.json{RANGE}").get_json() == []


def test_the_page_needs_a_login(client):
    assert client.get("/calendar").status_code in (302, 401)


def test_external_calendars_are_added_synced_and_removed_on_the_profile(client, logged_in, radicale):
    radicale.add_user("pageuser", "pw-123456")
    caldav.DAVClient(url=radicale.url, username="pageuser", password="pw-123456").principal().make_calendar(
        name="Home", cal_id="home")
    bad = client.post("/profile/calendars", data={"name": "", "url": "ftp://x"})
    assert bad.status_code == 422 and "An http:// or https:// address" in bad.get_data(as_text=True)
    client.post("/profile/calendars", data={"name": "Home", "url": radicale.url, "username": "pageuser",
                                            "password": "pw-123456"})
    page = client.get("/profile").get_data(as_text=True)
    assert 'data-external="Home"' in page and "not synced yet" in page
    row = db.session.query(ExternalCalendar).one()
    client.post(f"/profile/calendars/{row.id}/sync")
    assert "synced" in client.get("/profile").get_data(as_text=True)
    client.post(f"/profile/calendars/{row.id}/delete")
    assert 'data-external="Home"' not in client.get("/profile").get_data(as_text=True)


def test_schedule_a_meeting_from_a_record_page(client, logged_in):
    from crm.services.records import create_record
    from transactions import unit_of_work

    with unit_of_work():
        lead = create_record("lead", {"title": "Acme", "responsible_id": logged_in.id}, actor=logged_in)
    view = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    link = view.split('id="schedule-meeting"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'data-record="lead:{lead.id}"' in page and 'data-record-title="Acme"' in page
    cal_id = own_calendar_id(client)
    made = client.post(f"/calendar/{cal_id}/events.json", json={
        "title": "Meeting: Acme", "start": "2026-12-07T09:00:00Z",
        "record": {"entity": "lead", "id": lead.id}})
    assert made.get_json()["record"] == {"entity": "lead", "id": lead.id}


def test_a_colleagues_busy_times_for_the_invite_dialog(client, logged_in, make_user, api_for):
    bob = make_user("bob@example.com")
    bob_api = api_for(bob)
    bob_cal = next(c["id"] for c in bob_api.get("/calendars").get_json()["items"] if c["kind"] == "personal")
    bob_api.post(f"/calendars/{bob_cal}/events", json={"title": "Secret", "start": "2026-12-07T09:00:00Z"})
    assert f'value="{bob.id}">' in client.get("/calendar").get_data(as_text=True)
    busy = client.get(f"/calendar/people/{bob.id}/busy.json{RANGE}").get_json()
    assert busy == [{"start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z", "all_day": False}]
    assert client.get(f"/calendar/people/999999/busy.json{RANGE}").status_code == 404
