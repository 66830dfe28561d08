"""Password reset links: mailed through the outbox (the real SMTP test server, or held when no
server is set), single use, expiring, 202 whatever the address, throttled; a new password ends
sessions and API tokens."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from mail.outbox import SystemMail
from org.models import ApiToken, PasswordReset, utcnow
from tests.integration.accounts.conftest import reset_token_in
from tests.integration.portal.helpers import body_of, login, mails_to

NEW = "Lantern-river-77"


def _ask(client, email: str, **kw):
    return client.post("/api/v1/auth/password-reset", json={"email": email}, **kw)


def test_forgotten_password_end_to_end_through_the_smtp_server(smtp, send_outbox, client, make_user, api_for):
    person = make_user("pia@example.com", first_name="Pia")
    old_api = api_for(person)
    assert _ask(client, "PIA@example.com").status_code == 202
    assert send_outbox() == ["sent"]
    [mail] = mails_to(smtp, "pia@example.com")
    assert mail["Subject"] == "Choose a new Flowdesk password"
    token = reset_token_in(body_of(mail))
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == person.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)
    outbox_row = db.session.scalar(select(SystemMail))
    assert outbox_row.state == "sent" and outbox_row.link is None and token not in outbox_row.body

    weak = client.post(f"/api/v1/auth/password-reset/{token}", json={"password": "password12"})
    assert weak.status_code == 422 and "password" in weak.json["fields"]
    done = client.post(f"/api/v1/auth/password-reset/{token}", json={"password": NEW})
    assert done.status_code == 200, done.json
    assert client.post("/api/v1/auth/token", json={"email": person.email, "password": NEW}).status_code == 201
    assert old_api.get("/me").status_code == 401  # tokens of before the reset end
    again = client.post(f"/api/v1/auth/password-reset/{token}", json={"password": "Another-one-88"})
    assert again.status_code == 410 and "already used" in again.json["error"]
    assert client.post("/api/v1/auth/password-reset/not-a-token", json={"password": NEW}).status_code == 404


def test_without_smtp_the_link_is_held_in_the_outbox_for_administrators(send_outbox, client, make_user, api):
    make_user("hal@example.com")
    assert _ask(client, "hal@example.com").status_code == 202
    assert send_outbox() == ["held"]
    listing = api.get("/mail/outbox?state=held")
    assert listing.status_code == 200 and listing.json["total"] == 1
    [item] = listing.json["items"]
    assert (item["to"], item["kind"], item["state"]) == ("hal@example.com", "password_reset", "held")
    assert item["error"] == "No SMTP server is set" and "/password-reset/" in item["link"]
    token = item["link"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/auth/password-reset/{token}", json={"password": NEW}).status_code == 200
    assert api.get("/mail/outbox?state=sent").json["total"] == 0
    assert api.get("/mail/outbox?state=lost").status_code == 422


def test_unknown_addresses_get_the_same_answer_and_nothing_is_mailed(client, admin, monkeypatch):
    import org.services.passwords as svc

    composed: list[str] = []
    real = svc._compose
    monkeypatch.setattr(svc, "_compose",
                        lambda user, *a, **k: composed.append(user.email) or real(user, *a, **k))
    known, unknown = _ask(client, admin.email), _ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202 and known.json == unknown.json
    assert composed == [admin.email, "nobody@example.com"]  # the same work for both
    assert db.session.scalar(select(db.func.count(SystemMail.id))) == 1
    assert _ask(client, "").status_code == 422


def test_links_expire_and_requests_are_throttled_per_account_and_address(app, client, make_user, api,
                                                                        monkeypatch):
    person = make_user("ed@example.com")
    assert _ask(client, person.email).status_code == 202
    item = api.get("/mail/outbox").json["items"][0]
    assert item["state"] == "queued" and item["link"] is None  # nothing to copy while it may still leave
    token = db.session.scalar(select(SystemMail.link)).rsplit("/", 1)[1]
    db.session.execute(db.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    gone = client.post(f"/api/v1/auth/password-reset/{token}", json={"password": NEW})
    assert gone.status_code == 410 and "expired" in gone.json["error"]
    page = client.get(f"/password-reset/{token}")
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    for _ in range(2):
        assert _ask(client, person.email).status_code == 202
    refused = _ask(client, person.email)  # the account's fourth request within the hour
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    monkeypatch.setitem(app.config, "PASSWORD_RESET_ADDRESS_FREE", 2)
    far = {"environ_base": {"REMOTE_ADDR": "10.1.1.1"}}
    assert [_ask(client, f"{n}@example.com", **far).status_code for n in "xyz"] == [202, 202, 429]


def test_changing_ones_password_ends_other_sessions_and_tokens(client, app, make_user, api_for):
    person = make_user("cy@example.com")
    other_api, own_api = api_for(person), api_for(person)
    other_browser = app.test_client()
    login(other_browser, person)
    wrong = own_api.post("/me/password", {"current_password": "nope-nope-nope", "password": NEW})
    assert wrong.status_code == 422 and "current_password" in wrong.json["fields"]
    weak = own_api.post("/me/password", {"current_password": "Quiet-bay-42", "password": "short"})
    assert weak.status_code == 422 and "password" in weak.json["fields"]
    ok = own_api.post("/me/password", {"current_password": "Quiet-bay-42", "password": NEW})
    assert ok.status_code == 200
    assert own_api.get("/me").status_code == 200  # the token that asked keeps working
    assert other_api.get("/me").status_code == 401
    assert other_browser.get("/profile").status_code == 302  # the other session ended
    revoked = db.session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == person.id)).all()
    assert sum(r is not None for r in revoked) == 1


def test_administrators_set_a_password_or_send_a_link(make_user, api, api_for, send_outbox):
    person = make_user("di@example.com")
    person_api = api_for(person)
    assert person_api.post(f"/users/{person.id}/password", {"password": NEW}).status_code == 403
    assert api.post(f"/users/{person.id}/password", {"password": "short"}).status_code == 422
    assert api.post(f"/users/{person.id}/password", {"password": NEW}).status_code == 200
    assert person_api.get("/me").status_code == 401
    r = api.post(f"/users/{person.id}/password-reset")
    assert r.status_code == 202
    assert send_outbox() == ["held"]
    assert api.get("/mail/outbox").json["items"][0]["link"]
