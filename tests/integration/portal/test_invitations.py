"""Invitations: mails received by a real SMTP server (aiosmtpd), single-use expiring links,
resend, revoke, pending people in the directory; adding a colleague directly."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from extensions import db
from org.models import Invitation, User, utcnow
from tests.integration.portal.helpers import body_of, login, mails_to, token_in


def _accept(client, token: str, **form):
    data = {"first_name": "Nina", "last_name": "New", "password": "s3cret-pass",
            "password_confirm": "s3cret-pass"}
    return client.post(f"/invitation/{token}", data={**data, **form})


def test_invite_many_mails_a_single_use_link_that_makes_them_active(smtp, api, client, admin):
    r = api.post("/invitations", {"emails": ["Nina@Example.com", "omar@example.com", "nina@example.com"]})
    assert r.status_code == 201, r.json
    assert [(i["email"], i["state"], i["kind"]) for i in r.json["items"]] == [
        ("nina@example.com", "pending", "invite"), ("omar@example.com", "pending", "invite")]
    assert all(i["sent_at"] and i["send_error"] is None for i in r.json["items"])
    [mail] = mails_to(smtp, "nina@example.com")
    assert mail["Subject"] == "Ada Admin invited you to Flowdesk"
    assert mail["From"] == "Flowdesk <flowdesk@example.com>"
    token = token_in(mail)
    assert len(mails_to(smtp, "omar@example.com")) == 1
    # Only a hash of the token is stored.
    row = db.session.scalar(db.select(Invitation).where(Invitation.email == "nina@example.com"))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    # They are pending people in the directory until they accept.
    pending = api.get("/users?state=pending").json["items"]
    assert {u["email"] for u in pending} == {"nina@example.com", "omar@example.com"}
    assert all(u["state"] == "pending" and u["active"] is False for u in pending)
    assert "nina@example.com" not in {u["email"] for u in api.get("/users").json["items"]}

    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200 and "nina@example.com" in page.get_data(as_text=True)
    r = _accept(client, token, password="short", password_confirm="short", first_name="")
    assert r.status_code == 422 and 'data-error-for="password"' in r.get_data(as_text=True)
    assert 'data-error-for="first_name"' in r.get_data(as_text=True)
    r = _accept(client, token)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    user = db.session.scalar(db.select(User).where(User.email == "nina@example.com"))
    assert (user.state, user.full_name) == ("active", "Nina New")
    r = client.post("/login", data={"email": "nina@example.com", "password": "s3cret-pass"})
    assert r.status_code == 302
    client.post("/logout")
    # Single use: the link is dead now.
    r = client.get(f"/invitation/{token}")
    assert r.status_code == 410 and "already used" in r.get_data(as_text=True)
    assert _accept(client, token, password="other-pass1", password_confirm="other-pass1").status_code == 410
    states = {i["email"]: i["state"] for i in api.get("/invitations").json["items"]}
    assert states == {"nina@example.com": "accepted", "omar@example.com": "pending"}


def test_links_expire_after_the_configured_days(smtp, api, app, client):
    app.config["INVITATION_DAYS"] = 2
    try:
        r = api.post("/invitations", {"emails": ["late@example.com"]})
    finally:
        app.config["INVITATION_DAYS"] = 7
    row = db.session.get(Invitation, r.json["items"][0]["id"])
    assert timedelta(days=2) - timedelta(minutes=1) < row.expires_at - utcnow() <= timedelta(days=2)
    token = token_in(mails_to(smtp, "late@example.com")[0])
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = client.get(f"/invitation/{token}")
    assert r.status_code == 410 and "expired" in r.get_data(as_text=True)
    assert _accept(client, token).status_code == 410
    assert db.session.scalar(db.select(User.active).where(User.email == "late@example.com")) is False
    assert api.get("/invitations?state=expired").json["items"][0]["email"] == "late@example.com"
    # A resend gives a new link with a new expiry; the old link stays dead.
    r = api.post(f"/invitations/{row.id}/resend")
    assert r.status_code == 200 and r.json["state"] == "pending"
    new_token = token_in(mails_to(smtp, "late@example.com")[-1])
    assert new_token != token and client.get(f"/invitation/{token}").status_code == 404
    assert _accept(client, new_token).status_code == 302


def test_resend_replaces_the_link(smtp, api, client):
    invitation = api.post("/invitations", {"emails": ["pat@example.com"]}).json["items"][0]
    first = token_in(mails_to(smtp, "pat@example.com")[0])
    assert api.post(f"/invitations/{invitation['id']}/resend").status_code == 200
    mails = mails_to(smtp, "pat@example.com")
    assert len(mails) == 2
    second = token_in(mails[1])
    r = client.get(f"/invitation/{first}")
    assert r.status_code == 404 and "not valid" in r.get_data(as_text=True)
    assert client.get(f"/invitation/{second}").status_code == 200


def test_the_inviter_or_an_administrator_revokes(smtp, member_api, other_api, api, plain_admin_api, client):
    """Anyone may invite; the invitation is the inviter's (and administrators') to manage."""
    mine = member_api.post("/invitations", {"emails": ["a@example.com", "b@example.com"]}).json["items"]
    token = token_in(mails_to(smtp, "a@example.com")[0])
    for someone in (other_api, plain_admin_api):  # another user; an administrator outside admin mode
        for method, path in (("DELETE", f"/invitations/{mine[0]['id']}"),
                             ("POST", f"/invitations/{mine[0]['id']}/resend")):
            r = someone.call(method, path)
            assert r.status_code == 403, r.json
            assert r.json["error"].startswith("Only an administrator or the person who sent the invitation")
        assert someone.get("/invitations").json["items"] == []  # they see the ones they sent
    assert len(mails_to(smtp, "a@example.com")) == 1
    r = member_api.delete(f"/invitations/{mine[0]['id']}")
    assert r.status_code == 200 and r.json["state"] == "revoked"
    assert client.get(f"/invitation/{token}").status_code == 410
    assert member_api.delete(f"/invitations/{mine[0]['id']}").status_code == 409
    assert member_api.post(f"/invitations/{mine[0]['id']}/resend").status_code == 409
    r = api.delete(f"/invitations/{mine[1]['id']}")  # an administrator in admin mode
    assert r.status_code == 200 and r.json["state"] == "revoked"
    assert {i["id"] for i in api.get("/invitations").json["items"]} == {mine[0]["id"], mine[1]["id"]}
    # A revoked address may be invited again (the pending person is the same).
    again = member_api.post("/invitations", {"emails": ["a@example.com"]})
    assert again.status_code == 201 and again.json["items"][0]["user_id"] == mine[0]["user_id"]


def test_bad_addresses_are_refused_naming_each(smtp, api, member, make_user):
    dismissed = make_user("gone@example.com")
    dismissed.active = False
    db.session.commit()
    api.post("/invitations", {"emails": ["twice@example.com"]})
    r = api.post("/invitations", {"emails": ["ok@example.com", "not-an-address", member.email, 5,
                                             "gone@example.com", "twice@example.com"]})
    assert r.status_code == 422
    fields = r.json["fields"]
    assert set(fields) == {"emails[1]", "emails[2]", "emails[3]", "emails[4]", "emails[5]"}
    assert "already belongs" in fields["emails[2]"] and "dismissed" in fields["emails[4]"]
    assert "already invited" in fields["emails[5]"]
    assert db.session.scalar(db.select(User).where(User.email == "ok@example.com")) is None  # all or nothing
    for body in ({"emails": []}, {"emails": "a@example.com"}, {}, {"emails": ["a@example.com"], "x": 1}):
        assert api.post("/invitations", body).status_code == 422, body
    assert api.get("/invitations?state=maybe").status_code == 422


def test_without_smtp_the_mail_is_held_and_logged_and_a_refusal_is_recorded(api, admin, smtp_server, caplog):
    caplog.set_level("INFO")
    r = api.post("/invitations", {"emails": ["log@example.com"]})
    item = r.json["items"][0]
    assert r.status_code == 201 and item["sent_at"] is None and item["send_error"] == "No SMTP server is set"
    assert "log@example.com" in caplog.text and "/invitation/" in caplog.text
    [held] = api.get("/mail/outbox?state=held").json["items"]
    assert held["kind"] == "invitation" and "/invitation/" in held["link"]
    from mail.services.settings import save_smtp

    save_smtp({"host": "127.0.0.1", "port": 1, "security": "none", "from_address": "f@example.com"},
              actor=admin)
    r = api.post("/invitations", {"emails": ["down@example.com"]})
    assert r.status_code == 201
    item = r.json["items"][0]
    assert item["sent_at"] is None and "Cannot connect" in item["send_error"]


def test_an_administrator_adds_a_colleague_who_sets_a_password(smtp, api, member_api, client):
    sales = api.post("/departments", {"name": "Sales"}).json
    body = {"email": "carl@example.com", "first_name": "Carl", "last_name": "Cole", "position": "Buyer",
            "department_ids": [sales["id"]], "password_link": True}
    r = member_api.post("/users", body)
    assert r.status_code == 403 and "Administrator rights" in r.json["error"]
    r = api.post("/users", body)
    assert r.status_code == 201, r.json
    assert (r.json["state"], r.json["department_ids"], r.json["position"]) == (
        "active", [sales["id"]], "Buyer")
    [mail] = mails_to(smtp, "carl@example.com")
    assert mail["Subject"] == "Your Flowdesk account"
    assert "Ada Admin added you to Flowdesk as Buyer in Sales" in body_of(mail)
    assert client.post("/login", data={"email": "carl@example.com", "password": ""}).status_code == 401
    token = token_in(mail)
    page = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert "Set your password" in page and 'value="Carl"' in page
    assert _accept(client, token, first_name="Carl", last_name="Cole").status_code == 302
    login(client, db.session.scalar(db.select(User).where(User.email == "carl@example.com")), "s3cret-pass")
    assert api.get("/invitations").json["items"][0]["kind"] == "welcome"
    assert api.post("/users", {**body, "email": "x@example", "bogus": 1}).status_code == 422


def test_the_add_employee_page_sends_a_password_link(smtp, client, admin):
    from tests.integration.portal.helpers import admin_mode

    login(client, admin)
    admin_mode(client)
    r = client.post("/company/employees/new", data={"email": "dora@example.com", "first_name": "Dora",
                                                     "last_name": "Diaz", "position": "Designer"})
    assert r.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "dora@example.com"))
    assert user.active and user.password_hash is None
    assert r.headers["Location"].endswith(f"/employees/{user.id}")
    assert token_in(mails_to(smtp, "dora@example.com")[0])


def test_the_invitations_page(smtp, client, member, api):
    login(client, member)
    r = client.post("/company/invitations", data={"emails": "eva@example.com, finn@example.com"})
    assert r.status_code == 302
    page = client.get("/company/invitations").get_data(as_text=True)
    assert 'data-invitation="eva@example.com"' in page and 'data-state="pending"' in page
    rows = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
    assert client.post(f"/company/invitations/{rows[0].id}/resend").status_code == 302
    assert client.post(f"/company/invitations/{rows[1].id}/revoke").status_code == 302
    assert len(mails_to(smtp, "eva@example.com")) == 2
    assert db.session.get(Invitation, rows[1].id).state == "revoked"
    r = client.post("/company/invitations", data={"emails": "bad-address"})
    assert r.status_code == 422 and "bad-address is not an e-mail address" in r.get_data(as_text=True)
    page = client.get("/company/employees?state=pending").get_data(as_text=True)
    assert 'data-person="eva@example.com"' in page and 'data-person="finn@example.com"' in page
