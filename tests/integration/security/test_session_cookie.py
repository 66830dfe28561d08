"""The session cookie (web/session_cookie.py): an API call sets none and decodes none; a page
login's cookie still signs and round-trips; a changed secret key is honoured."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from tests.integration.portal.helpers import login
from web.session_cookie import SessionInterface


def test_an_api_call_sets_no_cookie_and_reuses_the_serializer(app, api):
    assert isinstance(app.session_interface, SessionInterface)
    first = app.session_interface.get_signing_serializer(app)
    resp = api.get("/me")
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert app.session_interface.get_signing_serializer(app) is first


def test_a_page_login_round_trips_its_cookie(client, admin):
    web = client.application.test_client()
    login(web, admin)
    assert web.get("/leads").status_code == 200  # the signed cookie decoded
    assert client.application.test_client().get("/leads").status_code == 302  # no cookie: no login


def test_a_new_secret_key_builds_a_new_serializer_that_reads_what_flask_signs(app):
    ours, flask_own = SessionInterface(), SecureCookieSessionInterface()
    before = ours.get_signing_serializer(app)
    old = app.secret_key
    try:
        app.secret_key = old + "-rotated"
        after = ours.get_signing_serializer(app)
        assert after is not before
        signed = flask_own.get_signing_serializer(app).dumps({"k": 1})
        assert after.loads(signed) == {"k": 1}
    finally:
        app.secret_key = old
