"""Flowdesk's own CalDAV at /dav/, used by a real CalDAV client (the caldav package) over a
real WSGI server: discovery, reading, writing, deleting, app-password auth, no peeking."""
from __future__ import annotations

import threading

import caldav
import pytest
from caldav.lib import error as dav_error

from tests.integration.calendars.test_caldav_sync import remote_text

RANGE = "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"


@pytest.fixture
def served(app, database_url):
    """The app on a free port (werkzeug, threaded), against the test database."""
    from werkzeug.serving import make_server

    from app import create_app
    from config import sqlite_engine_options
    from extensions import celery_init_app

    flask_app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "OUTBOX_KICK": "none",
        "EMBEDDED_WORKER": False, "DEMO_DATA": False,
        "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(database_url)})
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dav-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with flask_app.app_context():
        from extensions import db

        db.engine.dispose()
    celery_init_app(app)


@pytest.fixture
def ann(make_user):
    return make_user("ann@example.com")


@pytest.fixture
def token(ann):
    from org.services.tokens import issue_token
    from transactions import unit_of_work

    with unit_of_work():
        return issue_token(ann, "phone")[0]


def client(served, email, password):
    return caldav.DAVClient(url=served + "/dav/", username=email, password=password)


def test_a_caldav_client_reads_and_writes_the_persons_calendar(served, ann, token, api_for):
    api = api_for(ann)
    cal_id = next(c["id"] for c in api.get("/calendars").get_json()["items"] if c["kind"] == "personal")
    api.post(f"/calendars/{cal_id}/events",
             json={"title": "Made in Flowdesk", "start": "2026-12-07T09:00:00Z"})
    calendars = client(served, "ann@example.com", token).principal().calendars()
    assert [str(c.url).rstrip("/").rsplit("/", 1)[1] for c in calendars] == [str(cal_id)]
    dav_cal = calendars[0]
    assert [str(e.icalendar_component["SUMMARY"]) for e in dav_cal.events()] == ["Made in Flowdesk"]
    dav_cal.save_event(remote_text("phone-1@test", "From the phone"))
    items = api.get(f"/calendars/{cal_id}/events{RANGE}").get_json()["items"]
    assert sorted(i["title"] for i in items) == ["From the phone", "Made in Flowdesk"]
    dav_cal.event_by_uid("phone-1@test").delete()
    items = api.get(f"/calendars/{cal_id}/events{RANGE}").get_json()["items"]
    assert [i["title"] for i in items] == ["Made in Flowdesk"]


def test_a_wrong_app_password_or_another_persons_path_is_refused(served, ann, token, make_user):
    with pytest.raises(dav_error.AuthorizationError):
        client(served, "ann@example.com", "not-a-token").principal()
    make_user("bob@example.com")
    dav = client(served, "ann@example.com", token)
    with pytest.raises(dav_error.DAVError):
        dav.principal(url=served + "/dav/bob@example.com/").calendars()


def test_clients_given_the_portal_address_find_dav(client):
    resp = client.get("/.well-known/caldav")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/dav/")
