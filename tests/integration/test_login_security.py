"""Logins defended: throttled per account and address, equal work for unknown e-mails, logout ends the
session on the server, guarded cookies, security headers, NIST passwords."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

import config as config_module
from extensions import db
from org.models import User, utcnow
from org.throttle import LoginThrottle

RIGHT = "Quiet-bay-42"


def post_login(client, email: str, password: str, **extra: str):
    return client.post("/login", data={"email": email, "password": password, **extra})


def unlock(key_prefix: str = "") -> None:
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key.startswith(key_prefix)).values(
        locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_an_account_is_locked_after_five_failures_with_growing_locks_and_told_so(client, admin):
    for _ in range(5):
        assert post_login(client, admin.email, "wrong-password").status_code == 401
    locked = post_login(client, admin.email, "wrong-password")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "30"
    assert "Too many failed logins" in locked.get_data(as_text=True)
    right = post_login(client, admin.email, RIGHT)
    assert right.status_code == 429  # the right password waits for the lock to end too
    api = client.post("/api/v1/auth/token", json={"email": admin.email, "password": RIGHT})
    assert api.status_code == 429 and "Too many failed logins" in api.json["error"]
    unlock()
    again = post_login(client, admin.email, "wrong-password")
    assert again.status_code == 429 and again.headers["Retry-After"] == "60"  # the next lock is longer
    unlock()
    assert post_login(client, admin.email, RIGHT).status_code == 302
    key = f"account:{admin.email}"
    assert db.session.get(LoginThrottle, key) is None  # a success clears the account's count


def test_one_address_guessing_many_accounts_is_locked(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_FREE", 8)
    people = [make_user() for _ in range(5)]
    answers = []
    for person in people:
        for _ in range(2):
            r = client.post("/api/v1/auth/token", json={"email": person.email, "password": "wrong-password"})
            answers.append(r.status_code)
    assert answers[:8] == [401] * 8 and answers[8:] == [429, 429]
    fresh = make_user()
    r = client.post("/api/v1/auth/token", json={"email": fresh.email, "password": RIGHT})
    assert r.status_code == 429  # the address is locked, whatever the account
    other = client.post("/api/v1/auth/token", json={"email": fresh.email, "password": RIGHT},
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 201


def test_unknown_emails_cost_the_same_password_check_and_are_throttled_alike(client, admin, monkeypatch):
    import org.services.users as users

    checked: list[str | None] = []
    real = users.verify_password

    def spy(stored: str | None, password: str) -> bool:
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(users, "verify_password", spy)
    post_login(client, "nobody@example.com", "wrong-password")
    post_login(client, admin.email, "wrong-password")
    assert len(checked) == 2 and all(h and h.startswith("$argon2") for h in checked)
    for _ in range(4):
        post_login(client, "nobody@example.com", "wrong-password")
    assert post_login(client, "nobody@example.com", "wrong-password").status_code == 429


def test_logout_ends_the_session_on_the_server(app, client, admin):
    r = post_login(client, admin.email, RIGHT, remember="1")
    assert r.status_code == 302
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        stolen = app.test_client()
        stolen.set_cookie(name, value)
        replay = stolen.get("/")
        assert replay.status_code == 302 and "/login" in replay.headers["Location"], name


def test_the_remember_me_cookie_is_samesite_httponly_and_secure_on_request(app, client, admin, monkeypatch):
    r = post_login(client, admin.email, RIGHT, remember="1")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie
    monkeypatch.setenv("FLOWDESK_SECURE_COOKIES", "1")
    secure = config_module.Config()
    assert secure.REMEMBER_COOKIE_SECURE and secure.SESSION_COOKIE_SECURE
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    other = app.test_client()
    r = post_login(other, admin.email, RIGHT, remember="1")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "Secure" in cookie


def test_pages_and_the_api_send_security_headers(client, api):
    for response in (client.get("/login"), client.get("/api/v1/openapi.json")):
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
        assert "object-src 'none'" in policy
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_passwords_follow_nist_length_and_common_list(api, admin):
    for password, problem in (("short-pw1", "at least 10"), ("password123", "common"),
                              ("1234567890", "common"), ("aaaaaaaaaaaa", "too easy")):
        r = api.post("/users", {"email": "neo@example.com", "password": password})
        assert r.status_code == 422 and problem in r.json["fields"]["password"], password
    assert api.post("/users", {"email": "neo@example.com", "password": "violet tram 9"}).status_code == 201
    neo = db.session.scalar(select(User).where(User.email == "neo@example.com"))
    r = api.patch(f"/users/{neo.id}", {"password": "qwertyuiop"})
    assert r.status_code == 422 and "common" in r.json["fields"]["password"]
    r = api.patch(f"/users/{neo.id}", {"password": "neo@example.com"})
    assert r.status_code == 422
