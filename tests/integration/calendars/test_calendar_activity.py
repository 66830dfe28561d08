"""The calendar.create_event activity: a meeting in the responsible's calendar, about the record."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from calendars.models import CalendarEvent
from crm.services.records import create_record
from engine.activities import ActivityError, dispatch, make_context
from engine.element_templates import element_templates
from engine.models import HumanTask
from extensions import db
from tests.support.engine_rows import make_instance


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def run(admin, owner):
    lead = create_record("lead", {"title": "Relaunch", "last_name": "Lee", "responsible_id": owner.id},
                         actor=admin)
    instance = make_instance("lead", lead.id, on_behalf_of_id=admin.id, depth=0)

    def call(params, uuid="task-1"):
        return dispatch("calendar.create_event", params, make_context(instance, uuid, "Activity_1"))

    call.lead = lead
    return call


def test_a_meeting_goes_into_the_responsibles_calendar_about_the_record(run, owner, admin):
    result = run({"title": "Meet the lead", "start": "2026-12-10T14:00:00Z", "attendees": [admin.email],
                  "location": "Office"})
    event = db.session.get(CalendarEvent, result["event_id"])
    assert event.calendar.owner_id == owner.id and event.location == "Office"
    assert (event.crm_entity, event.crm_record_id) == ("lead", run.lead.id)
    assert [a.user_id for a in event.attendees] == [admin.id]
    assert (event.end_at - event.start_at).total_seconds() == 3600
    assert run({"title": "again", "start": "P1D"}) == result  # the same task acts once
    assert len(list(db.session.scalars(select(CalendarEvent)))) == 1


def test_errors_name_the_parameter(run):
    with pytest.raises(ActivityError, match="start"):
        run({"title": "x", "start": "whenever"}, uuid="t2")
    with pytest.raises(ActivityError, match="owner"):
        run({"title": "x", "start": "P1D", "owner": "nobody@example.com"}, uuid="t3")


def test_the_designer_offers_it():
    assert any("calendar.create_event" in str(t) for t in element_templates())


def test_inbox_tasks_due_show_in_the_assignees_own_calendar(owner, api_for):
    instance = make_instance(None, None, depth=0)
    db.session.add(HumanTask(instance_id=instance.id, task_uuid="t-1", element_id="Review",
                             name="Review offer", assignee_id=owner.id, due_at=datetime(2026, 12, 9, 11, 0)))
    db.session.commit()
    api = api_for(owner)
    cal_id = next(c["id"] for c in api.get("/calendars").get_json()["items"] if c["kind"] == "personal")
    items = api.get(f"/calendars/{cal_id}/events?from=2026-12-01&to=2027-01-01").get_json()["items"]
    assert [(i["kind"], i["title"], i["start"]) for i in items] == [
        ("inbox", "Inbox: Review offer", "2026-12-09T11:00:00Z")]
