"""A person's calendar shows the inbox tasks they may claim through a candidate group (marked
unclaimed), and shows times in the zone of their profile (else the company's)."""
from __future__ import annotations

from datetime import datetime

import pytest

import engine.models  # noqa: F401  (tables known to the wipe)
from engine.models import HumanTask, HumanTaskCandidate
from extensions import db
from org.settings import SiteSetting
from org.workgroups import WorkgroupMember
from tests.support.engine_rows import make_instance

RANGE = "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"


def own_calendar_id(api) -> int:
    return next(c["id"] for c in api.get("/calendars").get_json()["items"] if c["kind"] == "personal")


def inbox(api) -> list[tuple]:
    items = api.get(f"/calendars/{own_calendar_id(api)}/events{RANGE}").get_json()["items"]
    return [(i["title"], i["start"], i.get("unclaimed")) for i in items if i.get("kind") == "inbox"]


def test_a_candidate_groups_unclaimed_task_is_on_its_members_calendars(make_user, api_for):
    ann, bob, out = make_user("ann@example.com"), make_user("bob@example.com"), make_user("out@example.com")
    group = api_for(ann).post("/workgroups", json={"name": "Support"}).get_json()
    db.session.add(WorkgroupMember(workgroup_id=group["id"], user_id=bob.id))
    instance = make_instance(None, None, depth=0)
    for uuid, assignee in (("t-1", None), ("t-2", ann.id)):
        task = HumanTask(instance_id=instance.id, task_uuid=uuid, element_id="Answer", name=f"Answer {uuid}",
                         assignee_id=assignee, due_at=datetime(2026, 12, 9, 11, 0))
        task.candidates = [HumanTaskCandidate(group_key=f"workgroup:{group['id']}")]
        db.session.add(task)
    db.session.commit()
    assert inbox(api_for(ann)) == [("Inbox (unclaimed): Answer t-1", "2026-12-09T11:00:00Z", True),
                                   ("Inbox: Answer t-2", "2026-12-09T11:00:00Z", False)]
    assert inbox(api_for(bob)) == [("Inbox (unclaimed): Answer t-1", "2026-12-09T11:00:00Z", True)]
    assert inbox(api_for(out)) == []


@pytest.fixture
def berliner(client, make_user):
    user = make_user("berlin@example.com")
    user.time_zone = "Europe/Berlin"
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "Quiet-bay-42"})
    return user


def test_the_calendar_shows_the_profiles_zone(client, berliner, api_for):
    html = client.get("/calendar").get_data(as_text=True)
    assert 'data-time-zone="Europe/Berlin"' in html and "Times in Europe/Berlin" in html
    cal_id = int(html.split('<option value="', 1)[1].split('"', 1)[0])
    made = client.post(f"/calendar/{cal_id}/events.json", json={  # the form sends wall-clock times
        "title": "Lunch", "start": "2026-12-07T12:00", "end": "2026-12-07T13:00",
        "timezone": "Europe/Berlin"})
    assert made.status_code == 201 and made.get_json()["start"] == "2026-12-07T11:00:00Z"
    day = "start=2026-12-07T00:00:00&end=2026-12-08T00:00:00"  # FullCalendar's wall-clock range
    items = client.get(f"/calendar/{cal_id}/events.json?{day}").get_json()
    assert [(i["title"], i["start"], i["end"]) for i in items] == [
        ("Lunch", "2026-12-07T12:00:00", "2026-12-07T13:00:00")]
    url = api_for(berliner).post(f"/calendars/{cal_id}/feed").get_json()["url"]
    feed = client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True)
    assert "X-WR-TIMEZONE:Europe/Berlin" in feed


def test_without_a_profile_zone_the_companys_is_used(client, make_user):
    from calendars.zones import person_zone

    user = make_user("nozone@example.com")
    assert person_zone(user) == "UTC"
    db.session.add(SiteSetting(name="company", data={"currency": "EUR", "time_zone": "America/New_York"}))
    db.session.commit()
    assert person_zone(user) == "America/New_York"
