"""People's time zones: chosen on the profile (IANA names, 422 naming time_zone), the browser's
posted once, dates and deadlines shown and read in that zone."""
from __future__ import annotations

from datetime import datetime

from crm.models import CrmTask
from extensions import db
from tests.support.browser import session_client


def test_time_zone_setting_and_local_dates(app, make_user) -> None:
    user = make_user("tz@example.com")
    client = session_client(app, user)

    # The browser's zone, posted once: set; a second post never overwrites it; nonsense: 422.
    bad = client.post("/profile/time-zone", data={"time_zone": "Mars/Olympus_Mons"})
    assert bad.status_code == 422 and "time_zone" in bad.get_json()["fields"]
    assert client.post("/profile/time-zone", data={"time_zone": "Europe/Berlin"}).status_code == 204
    db.session.expire_all()
    assert db.session.get(type(user), user.id).time_zone == "Europe/Berlin"
    assert client.post("/profile/time-zone", data={"time_zone": "Asia/Tokyo"}).status_code == 409

    # The profile: a wrong name is refused beside the field, the zone kept.
    page = client.post("/profile", data={"first_name": "Tz", "last_name": "User", "position": "",
                                         "time_zone": "Europe/Nowhere"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="p-time_zone"' in html and "is-invalid" in html and "IANA time zone" in html
    ok = client.post("/profile", data={"first_name": "Tz", "last_name": "User", "position": "",
                                       "time_zone": "America/New_York"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(user), user.id).time_zone == "America/New_York"

    # A deadline typed in New York time (EDT, UTC-4 in June) is stored in UTC and shown back local.
    created = client.post("/tasks/new", data={"title": "Call back", "deadline": "2026-06-01T10:00",
                                              "responsible_id": str(user.id)})
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    task = db.session.query(CrmTask).filter_by(title="Call back").one()
    assert task.deadline == datetime(2026, 6, 1, 14, 0)
    view = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "01 Jun 2026, 10:00" in view and "America/New_York" in view
    edit = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'value="2026-06-01T10:00"' in edit

    # Clearing it goes back to UTC (the browser's zone is then posted again).
    client.post("/profile", data={"first_name": "Tz", "last_name": "User", "position": "", "time_zone": ""})
    assert "01 Jun 2026, 14:00" in client.get(f"/tasks/{task.id}").get_data(as_text=True)
