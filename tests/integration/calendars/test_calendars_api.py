"""Calendars and events over the API: rights, busy times, recurrence, invitations, events."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.events import OutboxEvent
from extensions import db
from org.workgroups import WorkgroupMember

RANGE = "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"


@pytest.fixture
def ann(make_user):
    return make_user("ann@example.com")


@pytest.fixture
def bob(make_user):
    return make_user("bob@example.com")


@pytest.fixture
def ann_api(api_for, ann):
    return api_for(ann)


@pytest.fixture
def bob_api(api_for, bob):
    return api_for(bob)


def own_calendar(api) -> dict:
    items = api.get("/calendars").get_json()["items"]
    return next(c for c in items if c["kind"] == "personal")


def add(api, cal_id: int, **data) -> dict:
    body = {"title": "Meeting", "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z", **data}
    resp = api.post(f"/calendars/{cal_id}/events", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_every_person_has_a_calendar_created_once(ann_api):
    first, again = own_calendar(ann_api), own_calendar(ann_api)
    assert first["id"] == again["id"] and first["access"] == "full"


def test_an_event_is_created_listed_changed_and_deleted(ann_api):
    cal = own_calendar(ann_api)
    event = add(ann_api, cal["id"], location="Room 1", timezone="Europe/Berlin", reminders=[15])
    assert event["start"] == "2026-12-07T09:00:00Z" and event["reminders"] == [15]
    items = ann_api.get(f"/calendars/{cal['id']}/events{RANGE}").get_json()["items"]
    assert [i["title"] for i in items] == ["Meeting"]
    resp = ann_api.patch(f"/events/{event['id']}", json={"start": "2026-12-08T09:00:00Z"})
    assert resp.status_code == 200
    assert resp.get_json()["end"] == "2026-12-08T10:00:00Z"  # moved, the hour kept
    assert ann_api.delete(f"/events/{event['id']}").status_code == 204
    assert ann_api.get(f"/events/{event['id']}").status_code == 404
    types = list(db.session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id)))
    assert types == ["event.created", "event.updated", "event.deleted"]


def test_bad_input_names_the_field(ann_api):
    cal = own_calendar(ann_api)
    cases = [({"start": "2026-12-07T09:00:00Z"}, "title"),
             ({"title": "x", "start": "tomorrow"}, "start"),
             ({"title": "x", "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T08:00:00Z"}, "end"),
             ({"title": "x", "start": "2026-12-07T09:00:00Z", "timezone": "Mars/Olympus"}, "timezone"),
             ({"title": "x", "start": "2026-12-07T09:00:00Z", "rrule": "FREQ=SOMETIMES"}, "rrule"),
             ({"title": "x", "start": "2026-12-07T09:00:00Z", "attendee_ids": [999999]}, "attendee_ids"),
             ({"title": "x", "start": "2026-12-07T09:00:00Z", "record": {"entity": "lead", "id": 99}},
              "record")]
    for body, field in cases:
        resp = ann_api.post(f"/calendars/{cal['id']}/events", json=body)
        assert resp.status_code == 422 and field in resp.get_json()["fields"], (body, resp.get_json())
    assert ann_api.get(f"/calendars/{cal['id']}/events?from=x&to=y").status_code == 422


def test_recurrence_with_an_exception_is_expanded(ann_api):
    cal = own_calendar(ann_api)
    add(ann_api, cal["id"], title="Standup", start="2026-12-07T09:00:00", end="2026-12-07T09:15:00",
        timezone="Europe/Berlin", rrule="FREQ=DAILY;COUNT=5", exdates=["2026-12-09T09:00:00"])
    items = ann_api.get(f"/calendars/{cal['id']}/events{RANGE}").get_json()["items"]
    assert [i["start"] for i in items] == [
        "2026-12-07T08:00:00Z", "2026-12-08T08:00:00Z", "2026-12-10T08:00:00Z", "2026-12-11T08:00:00Z"]


def test_others_see_busy_times_only_and_cannot_write(ann_api, bob_api):
    cal = own_calendar(ann_api)
    add(ann_api, cal["id"], title="Dentist", private=True)
    items = bob_api.get(f"/calendars/{cal['id']}/events{RANGE}").get_json()["items"]
    assert items == [{"event_id": None, "calendar_id": cal["id"], "busy": True, "title": "Busy",
                      "start": "2026-12-07T09:00:00Z", "end": "2026-12-07T10:00:00Z", "all_day": False}]
    assert bob_api.post(f"/calendars/{cal['id']}/events", json={"title": "x", "start": "2026-12-07"}
                        ).status_code == 403


def test_workgroup_calendar_follows_membership_and_private_events_stay_busy(ann_api, bob_api, bob, api):
    group = ann_api.post("/workgroups", json={"name": "Sales"}).get_json()
    wg_cal = next(c for c in ann_api.get("/calendars").get_json()["items"] if c["kind"] == "workgroup")
    add(ann_api, wg_cal["id"], title="Team lunch")
    add(ann_api, wg_cal["id"], title="Ann's appraisal", private=True)
    outsider = bob_api.get(f"/calendars/{wg_cal['id']}/events{RANGE}").get_json()["items"]
    assert {i["title"] for i in outsider} == {"Busy"}
    db.session.add(WorkgroupMember(workgroup_id=group["id"], user_id=bob.id))
    db.session.commit()
    inside = bob_api.get(f"/calendars/{wg_cal['id']}/events{RANGE}").get_json()["items"]
    assert sorted(i["title"] for i in inside) == ["Busy", "Team lunch"]
    admin_view = api.get(f"/calendars/{wg_cal['id']}/events{RANGE}").get_json()["items"]
    assert sorted(i["title"] for i in admin_view) == ["Ann's appraisal", "Team lunch"]


def test_attendees_see_the_event_in_their_calendar_and_answer(ann_api, bob_api, bob):
    event = add(ann_api, own_calendar(ann_api)["id"], title="Review", private=True, attendee_ids=[bob.id])
    mine = bob_api.get(f"/calendars/{own_calendar(bob_api)['id']}/events{RANGE}").get_json()["items"]
    assert [i["title"] for i in mine] == ["Review"]
    resp = bob_api.post(f"/events/{event['id']}/response", json={"status": "accepted"})
    assert resp.get_json()["attendees"] == [{"user_id": bob.id, "status": "accepted"}]
    assert bob_api.post(f"/events/{event['id']}/response", json={"status": "maybe"}).status_code == 422
    assert ann_api.post(f"/events/{event['id']}/response", json={"status": "accepted"}).status_code == 404


def test_an_event_linked_to_a_record_is_on_its_timeline_and_its_event(api):
    lead = api.post("/leads", json={"title": "Big deal"}).get_json()
    cal = own_calendar(api)
    add(api, cal["id"], title="Kick-off", record={"entity": "lead", "id": lead["id"]})
    timeline = api.get(f"/leads/{lead['id']}/timeline").get_json()["items"]
    assert any(e["kind"] == "event" and "Kick-off" in e["summary"] for e in timeline)
    row = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "event.created")).one()
    assert (row.entity, row.entity_id) == ("lead", lead["id"])


def test_the_secret_feed_serves_the_calendar_until_revoked(ann_api, client):
    cal = own_calendar(ann_api)
    add(ann_api, cal["id"], title="Public talk")
    add(ann_api, cal["id"], title="Dentist", private=True)
    url = ann_api.post(f"/calendars/{cal['id']}/feed").get_json()["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    body = client.get("/" + path).get_data(as_text=True)
    assert "SUMMARY:Public talk" in body and "SUMMARY:Busy" in body and "Dentist" not in body
    assert ann_api.delete(f"/calendars/{cal['id']}/feed").status_code == 204
    assert client.get("/" + path).status_code == 404


def test_own_crm_tasks_due_show_in_the_own_calendar_only(ann_api, bob_api, ann):
    made = ann_api.post("/tasks", json={"title": "Send offer", "deadline": "2026-12-09T15:00:00",
                                        "responsible_id": ann.id})
    assert made.status_code == 201, made.get_json()
    cal = own_calendar(ann_api)
    items = ann_api.get(f"/calendars/{cal['id']}/events{RANGE}").get_json()["items"]
    assert [(i["title"], i["start"], i["kind"]) for i in items] == [
        ("Task: Send offer", "2026-12-09T15:00:00Z", "task")]
    assert bob_api.get(f"/calendars/{cal['id']}/events{RANGE}").get_json()["items"] == []
