"""Two-factor sign-in: enrolment, the login's code step, throttling, recovery codes, the API token,
administrators made to enrol, switching it off."""
from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from extensions import db
from org.audit import AuditEntry
from org.models import RecoveryCode, User, utcnow
from org.throttle import LoginThrottle
from tests.integration.security.two_factor_support import PASSWORD, enrol, forget_last_step, login, next_code


def test_enrolment_then_login_needs_a_code_once(client, make_user):
    user = make_user()
    assert login(client, user.email).status_code == 302
    secret, _codes = enrol(client, user)
    row = db.session.get(User, user.id)
    assert row.totp_enabled_at is not None and secret not in (row.totp_secret or "")  # encrypted at rest
    client.post("/logout")

    first = login(client, user.email)
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert client.get("/profile").status_code == 302  # not logged in before the code
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 401 and "Wrong or already used code" in wrong.get_data(as_text=True)
    code = next_code(secret)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/profile").status_code == 200
    client.post("/logout")

    login(client, user.email)
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 401  # the same code is not accepted twice


def test_wrong_codes_are_throttled_like_passwords(client, make_user):
    user = make_user()
    login(client, user.email)
    secret, _ = enrol(client, user)
    client.post("/logout")
    login(client, user.email)
    answers = [client.post("/login/code", data={"code": "123456"}).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    locked = client.post("/login/code", data={"code": next_code(secret)})
    assert locked.status_code == 429 and locked.headers["Retry-After"]
    # A right password does not clear the count while the code step is still to come.
    db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    login(client, user.email)
    assert db.session.get(LoginThrottle, f"account:{user.email}").failures == 6
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 302
    assert db.session.get(LoginThrottle, f"account:{user.email}") is None


def test_a_recovery_code_works_once(client, make_user):
    user = make_user()
    login(client, user.email)
    _secret, codes = enrol(client, user)
    client.post("/logout")
    login(client, user.email)
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    client.post("/logout")
    login(client, user.email)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                         RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1 and all(codes[3] not in r.code_hash for r in used)  # stored hashed


def test_the_api_token_needs_the_code(client, make_user):
    user = make_user()
    login(client, user.email)
    secret, codes = enrol(client, user)
    body = {"email": user.email, "password": PASSWORD}
    missing = client.post("/api/v1/auth/token", json=body)
    assert missing.status_code == 401 and "otp" in missing.json["fields"]
    wrong = client.post("/api/v1/auth/token", json={**body, "otp": "999999"})
    assert wrong.status_code == 401 and wrong.json["fields"] == {"otp": "Wrong or already used code"}
    assert client.post("/api/v1/auth/token", json={**body, "otp": next_code(secret)}).status_code == 201
    assert client.post("/api/v1/auth/token", json={**body, "otp": codes[0]}).status_code == 201
    assert client.post("/api/v1/auth/token", json={**body, "otp": codes[0]}).status_code == 401


def test_regenerate_and_disable_need_a_code_and_the_password(client, make_user):
    user = make_user()
    login(client, user.email)
    secret, codes = enrol(client, user)
    assert client.post("/profile/two-factor/recovery-codes", data={"code": "111111"}).status_code == 422
    fresh = client.post("/profile/two-factor/recovery-codes", data={"code": next_code(secret)})
    assert fresh.status_code == 200 and codes[0] not in fresh.get_data(as_text=True)
    forget_last_step(user.id)
    refused = client.post("/profile/two-factor/disable",
                          data={"password": "wrong-one-12", "code": next_code(secret)})
    assert refused.status_code == 422 and "Wrong password" in refused.get_data(as_text=True)
    assert client.post("/profile/two-factor/disable",
                       data={"password": PASSWORD, "code": next_code(secret)}).status_code == 302
    assert db.session.get(User, user.id).totp_secret is None
    logged = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)
                                .order_by(AuditEntry.id)).all()
    assert logged == ["2fa.enable", "2fa.recovery_codes", "2fa.disable"]
    client.post("/logout")
    assert login(client, user.email).headers["Location"] == "/"  # no code step any more


def test_administrators_must_enrol_when_required(client, admin, api_for, monkeypatch):
    monkeypatch.setenv("FLOWDESK_REQUIRE_2FA_FOR_ADMINS", "1")
    api = api_for(admin)  # a token with admin mode on
    refused = api.get("/settings/security")  # no admin mode before enrolment
    assert refused.status_code == 403 and "two-factor sign-in" in refused.json["error"]
    first = login(client, admin.email)
    assert first.status_code == 302 and first.headers["Location"].endswith("/profile/two-factor")
    refused = client.post("/admin-mode", data={"on": "1"})
    assert refused.status_code == 403
    secret, _ = enrol(client, admin)
    assert client.post("/admin-mode", data={"on": "1"}).status_code == 302
    assert api.get("/settings/security").json == {"require_2fa_for_admins": False,
                                                    "environment_requires_2fa": True}


def test_the_setting_requires_enrolment_too(client, admin, api_for, make_user):
    api = api_for(admin)
    assert api.put("/settings/security", {"require_2fa_for_admins": "yes"}).status_code == 422
    assert api.put("/settings/security", {"require_2fa_for_admins": True}).status_code == 200
    assert api.get("/settings/security").status_code == 403  # this admin must now enrol first
    colleague = make_user()
    assert login(client, colleague.email).headers["Location"] == "/"  # only administrators


def test_the_first_administrator_is_sent_to_enrol_when_required(client, monkeypatch):
    monkeypatch.setenv("FLOWDESK_REQUIRE_2FA_FOR_ADMINS", "1")
    done = client.post("/setup", data={"email": "first@example.com", "password": PASSWORD,
                                       "first_name": "First", "last_name": "Admin"})
    assert done.status_code == 302 and done.headers["Location"] == "/profile/two-factor"
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert 'id="two-factor-required"' in page


def test_the_api_sets_it_up_and_off(api_for, make_user):
    user = make_user()
    api = api_for(user)
    assert api.get("/me/two-factor").json == {"enabled": False, "pending": False, "required": False,
                                              "recovery_codes_left": 0}
    assert api.post("/me/two-factor/disable", {"password": PASSWORD, "code": "123456"}).status_code == 409
    setup = api.post("/me/two-factor/start").json
    assert setup["uri"].startswith("otpauth://totp/") and setup["qr_svg"].startswith("<svg")
    assert api.get("/me/two-factor").json["pending"] is True
    wrong = api.post("/me/two-factor/confirm", {"code": "12345x"})
    assert wrong.status_code == 422 and "code" in wrong.json["fields"]
    totp = pyotp.TOTP(setup["secret"])
    first = api.post("/me/two-factor/confirm", {"code": totp.now()}).json["recovery_codes"]
    assert len(first) == 10 and api.get("/me/two-factor").json["recovery_codes_left"] == 10
    assert api.post("/me/two-factor/start").status_code == 409
    again = api.post("/me/two-factor/recovery-codes", {"code": next_code(setup["secret"])}).json
    assert set(again["recovery_codes"]).isdisjoint(first)
    off = api.post("/me/two-factor/disable", {"password": PASSWORD, "code": again["recovery_codes"][0]})
    assert off.status_code == 200 and off.json["enabled"] is False
