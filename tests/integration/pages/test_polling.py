"""The living page: the record timeline and the inbox badge are polled; an ETag makes an
unchanged answer a bodiless 304, and rights hold on the poll too."""
from __future__ import annotations

from crm.services.records import create_record
from crm.services.timeline import add_comment
from tests.support.access_world import assign
from tests.support.browser import session_client
from transactions import unit_of_work


def test_timeline_and_badge_polls(app, admin, make_user, api) -> None:
    with unit_of_work():
        lead = create_record("lead", {"title": "Polled", "responsible_id": admin.id}, actor=admin)
    client = session_client(app, admin)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert f'hx-get="/leads/{lead.id}/timeline"' in page and 'hx-trigger="every 30s"' in page

    first = client.get(f"/leads/{lead.id}/timeline")
    assert first.status_code == 200 and first.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
    assert 'id="timeline-entries"' in first.get_data(as_text=True)
    same = client.get(f"/leads/{lead.id}/timeline", headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304 and same.get_data() == b""

    with unit_of_work():  # someone else comments meanwhile: the next poll brings it
        add_comment("lead", lead.id, "Called them back", actor=admin)
    fresh = client.get(f"/leads/{lead.id}/timeline", headers={"If-None-Match": first.headers["ETag"]})
    html = fresh.get_data(as_text=True)
    assert fresh.status_code == 200 and "Called them back" in html
    assert 'id="timeline-count" hx-swap-oob="true">2 entries' in html

    manager = make_user("nosy@example.com")
    assign(api, "manager", user_id=manager.id)
    assert session_client(app, manager).get(f"/leads/{lead.id}/timeline").status_code in (403, 404)

    badge = client.get("/inbox/badge")
    assert badge.status_code == 200 and 'id="inbox-badge"' in badge.get_data(as_text=True)
    again = client.get("/inbox/badge", headers={"If-None-Match": badge.headers["ETag"]})
    assert again.status_code == 304
