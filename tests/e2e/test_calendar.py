"""The calendar page in a real browser: an event dragged to another hour is saved, and the
"New event" dialog creates one (FullCalendar, web/frontend/src/calendar.js)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.support.services import wait_until

pytestmark = pytest.mark.e2e


def login(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "Quiet-bay-42")
    page.click("form button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()


def drag_to_hour(page: Page, title: str, hour: int) -> None:
    """Drag the event block down to the slot of `hour` in its day column, with real mouse moves."""
    block = page.locator(".fc-timegrid-event", has_text=title)
    expect(block).to_be_visible()
    slot = page.locator(f'td.fc-timegrid-slot-lane[data-time="{hour:02d}:00:00"]')
    slot.scroll_into_view_if_needed()
    source, target = block.bounding_box(), slot.bounding_box()
    x = source["x"] + source["width"] / 2
    page.mouse.move(x, source["y"] + 5)
    page.mouse.down()
    page.mouse.move(x, source["y"] + 40, steps=5)
    page.mouse.move(x, target["y"] + 5, steps=15)
    page.mouse.up()


def test_drag_moves_an_event_and_the_dialog_creates_one(page: Page, live_server, make_user) -> None:
    from calendars.models import CalendarEvent
    from calendars.services.calendars import personal_calendar
    from calendars.services.events import create_event
    from extensions import db
    from transactions import unit_of_work

    user = make_user("cal@example.com")
    day = datetime.now(UTC).date()
    with unit_of_work():
        event = create_event(personal_calendar(user).id, {
            "title": "Standup", "start": f"{day}T09:00:00Z", "end": f"{day}T10:00:00Z"}, actor=user)
    event_id = event.id

    login(page, live_server, user.email)
    page.goto(live_server + "/calendar")
    drag_to_hour(page, "Standup", 12)

    def start_hour() -> int:
        db.session.expire_all()
        return db.session.get(CalendarEvent, event_id).start_at.hour

    # FullCalendar's drag mirror may linger a moment beside the dropped event
    settled = ".fc-timegrid-event:not(.fc-event-mirror):not(.fc-event-dragging)"
    expect(page.locator(settled, has_text="Standup").last).to_contain_text("12:00")
    wait_until(lambda: start_hour() == 12, what="the moved event saved")
    moved = db.session.get(CalendarEvent, event_id)
    assert moved.end_at - moved.start_at == timedelta(hours=1)

    page.click("#calendar-new")
    expect(page.locator("#event-dialog")).to_be_visible()
    page.fill("#event-title", "Made in the browser")
    page.click("#event-save")
    # near midnight the new event spans two days and shows as two blocks
    expect(page.locator(".fc-event", has_text="Made in the browser").first).to_be_visible()

    def titles() -> set[str]:
        db.session.expire_all()
        return set(db.session.scalars(select(CalendarEvent.title)))

    assert titles() == {"Standup", "Made in the browser"}


def test_schedule_a_meeting_from_a_record_page(page: Page, live_server, make_user) -> None:
    from calendars.models import CalendarEvent
    from crm.services.records import create_record
    from extensions import db
    from transactions import unit_of_work

    user = make_user("rep@example.com")
    with unit_of_work():
        lead = create_record("lead", {"title": "Acme", "responsible_id": user.id}, actor=user)
    login(page, live_server, user.email)
    page.goto(f"{live_server}/leads/{lead.id}")
    page.click("#schedule-meeting")
    expect(page.locator("#event-dialog")).to_be_visible()
    expect(page.locator("#event-title")).to_have_value("Meeting: Acme")
    page.click("#event-save")
    expect(page.locator(".fc-event", has_text="Meeting: Acme").first).to_be_visible()

    def linked() -> list[tuple]:
        db.session.expire_all()
        return [(e.crm_entity, e.crm_record_id) for e in db.session.scalars(select(CalendarEvent))]

    assert linked() == [("lead", lead.id)]


def test_inviting_shows_the_colleagues_busy_times(page: Page, live_server, make_user) -> None:
    from calendars.models import EventAttendee
    from calendars.services.calendars import personal_calendar
    from calendars.services.events import create_event
    from extensions import db
    from transactions import unit_of_work

    me, bob = make_user("me@example.com"), make_user("bob@example.com", first_name="Bob")
    day = datetime.now(UTC).date()
    with unit_of_work():
        create_event(personal_calendar(bob).id, {"title": "Bob's dentist", "private": True,
                                                 "start": f"{day}T14:00:00Z"}, actor=bob)
    login(page, live_server, me.email)
    page.goto(live_server + "/calendar")
    page.click("#calendar-new")
    page.fill("#event-title", "Planning")
    expect(page.locator(".fc-bg-event")).to_have_count(0)
    page.select_option("#event-attendees", str(bob.id))
    expect(page.locator(".fc-bg-event").first).to_be_attached()
    expect(page.get_by_text("Bob's dentist")).to_have_count(0)
    page.click("#event-save")
    expect(page.locator(".fc-event", has_text="Planning").first).to_be_visible()

    def invited() -> list[int]:
        db.session.expire_all()
        return [a.user_id for a in db.session.scalars(select(EventAttendee))]

    assert invited() == [bob.id]


def test_dragging_an_occurrence_asks_and_moves_only_that_one(page: Page, live_server, make_user) -> None:
    from calendars.models import CalendarEvent
    from calendars.services.calendars import personal_calendar
    from calendars.services.events import create_event, list_occurrences
    from extensions import db
    from transactions import unit_of_work

    user = make_user("weekly@example.com")
    user.time_zone = "Europe/Berlin"  # the page shows Berlin's hours, whatever the browser's zone
    db.session.commit()
    day = datetime.now(UTC).date()
    with unit_of_work():
        event = create_event(personal_calendar(user).id, {
            "title": "Weekly sync", "start": f"{day}T09:00:00Z", "end": f"{day}T10:00:00Z",
            "rrule": "FREQ=WEEKLY;COUNT=2"}, actor=user)
    event_id, cal_id = event.id, event.calendar_id

    login(page, live_server, user.email)
    page.goto(live_server + "/calendar")
    expect(page.locator("#calendar-zone")).to_have_text("Times in Europe/Berlin")
    expect(page.locator(".fc-timegrid-event", has_text="Weekly sync")).to_contain_text("10:00")  # 09:00 UTC
    drag_to_hour(page, "Weekly sync", 14)
    expect(page.locator("#scope-dialog")).to_be_visible()
    page.click("#scope-this")

    def starts() -> list[datetime]:
        db.session.expire_all()
        start = datetime.combine(day, datetime.min.time())
        return [o.start for o in list_occurrences(cal_id, start, start + timedelta(days=14), actor=user)]

    wait_until(lambda: starts()[0].hour == 13, what="the occurrence moved to 14:00 Berlin")
    second = starts()[1]
    assert second - datetime.combine(day, datetime.min.time()) == timedelta(days=7, hours=9)
    assert db.session.get(CalendarEvent, event_id).start_at.hour == 9  # the series stays


def test_the_now_line_and_today_follow_the_profiles_zone(page: Page, live_server, make_user) -> None:
    from zoneinfo import ZoneInfo

    from extensions import db

    user = make_user("kiritimati@example.com")
    user.time_zone = "Pacific/Kiritimati"  # UTC+14: another hour and, most of the day, another date
    db.session.commit()
    zone = ZoneInfo(user.time_zone)
    before = datetime.now(zone)
    login(page, live_server, user.email)
    page.goto(live_server + "/calendar")
    line = page.locator(".fc-timegrid-now-indicator-line")
    expect(line).to_be_visible()
    after = datetime.now(zone)
    today = page.locator(".fc-timegrid-col.fc-day-today").get_attribute("data-date")
    assert today in {before.date().isoformat(), after.date().isoformat()}

    def y_of(moment: datetime) -> float:
        """Where a wall-clock time of the zone lies on the time grid (half-hour slots)."""
        time = f"{moment.hour:02d}:{moment.minute // 30 * 30:02d}:00"
        box = page.locator(f'td.fc-timegrid-slot-lane[data-time="{time}"]').bounding_box()
        return box["y"] + box["height"] * (moment.minute % 30 + moment.second / 60) / 30

    slot_height = page.locator("td.fc-timegrid-slot-lane").first.bounding_box()["height"]
    top = line.bounding_box()["y"]
    if before.date() == after.date():  # (at midnight there, the line starts over at the top)
        assert y_of(before) - slot_height <= top <= y_of(after) + slot_height
