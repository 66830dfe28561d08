"""The company time zone (Settings → Company settings, and the API): an IANA name (422 naming
time_zone), the zone of everyone without a profile zone -- dates and deadlines on pages, the
calendar -- while a profile's zone still wins."""
from __future__ import annotations

from datetime import datetime

from crm.models import CrmTask
from extensions import db
from tests.support.access_world import assign
from tests.support.browser import session_client


def test_the_company_zone_is_set_in_the_settings_and_the_api(app, admin, make_user, api) -> None:
    office = make_user("office@example.com")  # the CRM's administrator role may change settings
    assign(api, "administrator", user_id=office.id)
    boss = session_client(app, office)
    form = boss.get("/settings/company").get_data(as_text=True)
    assert 'id="s-time_zone"' in form and '<option value="Asia/Tokyo">' in form

    bad = boss.post("/settings/company", data={"currency": "EUR", "time_zone": "Mars/Olympus"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "is-invalid" in html and "IANA time zone" in html
    refused = api.put("/api/v1/settings/company", json={"time_zone": "Europe/Nowhere"})
    assert refused.status_code == 422 and "time_zone" in refused.get_json()["fields"]
    saved = boss.post("/settings/company", data={"currency": "EUR", "time_zone": "Asia/Tokyo"})
    assert saved.status_code == 302
    assert 'value="Asia/Tokyo"' in boss.get("/settings/company").get_data(as_text=True)
    assert api.get("/api/v1/settings/company").get_json() == {"currency": "EUR", "time_zone": "Asia/Tokyo"}
    system = session_client(app, admin)
    system.post("/admin-mode", data={"on": "1"})
    assert '<td id="company-zone">Asia/Tokyo' in system.get("/settings/system").get_data(as_text=True)



def test_people_without_a_profile_zone_see_the_companys(app, admin, make_user, api) -> None:
    assert api.put("/api/v1/settings/company", json={"time_zone": "Asia/Tokyo"}).status_code == 200
    # Someone without a profile zone: a deadline typed in Tokyo time (UTC+9) is stored in UTC and
    # shown back in Tokyo time; the calendar shows Tokyo too.
    plain = make_user("plain@example.com")
    client = session_client(app, plain)
    created = client.post("/tasks/new", data={"title": "Call Tokyo", "deadline": "2026-06-01T10:00",
                                              "responsible_id": str(plain.id)})
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    task = db.session.query(CrmTask).filter_by(title="Call Tokyo").one()
    assert task.deadline == datetime(2026, 6, 1, 1, 0)
    view = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "01 Jun 2026, 10:00" in view and "Asia/Tokyo" in view
    assert 'data-time-zone="Asia/Tokyo"' in client.get("/calendar").get_data(as_text=True)

    # A profile zone wins over the company's.
    plain.time_zone = "Europe/Berlin"
    db.session.commit()
    assert "01 Jun 2026, 03:00" in client.get(f"/tasks/{task.id}").get_data(as_text=True)

    # The company zone cleared through the API: UTC again.
    assert api.put("/api/v1/settings/company", json={"time_zone": ""}).get_json()["time_zone"] == ""
    plain.time_zone = None
    db.session.commit()
    assert "01 Jun 2026, 01:00" in client.get(f"/tasks/{task.id}").get_data(as_text=True)
