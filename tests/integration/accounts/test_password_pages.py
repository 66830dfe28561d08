"""Passwords in the browser's pages: "Forgot password?" to a new password, the profile's change,
the administrator's buttons on the employee page; the CLI's set-password."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from mail.outbox import SystemMail
from org.models import User
from org.services.users import authenticate
from tests.integration.accounts.conftest import reset_token_in
from tests.integration.portal.helpers import admin_mode, body_of, login, mails_to

NEW = "Lantern-river-77"


def test_forgot_password_page_to_a_new_password_and_logged_in(smtp, send_outbox, client, make_user):
    person = make_user("lu@example.com", first_name="Lu")
    page = client.get("/login").get_data(as_text=True)
    assert 'id="forgot-password"' in page and "/forgot-password" in page
    r = client.post("/forgot-password", data={"email": "lu@example.com"})
    assert r.status_code == 200 and 'id="reset-sent"' in r.get_data(as_text=True)
    unknown = client.post("/forgot-password", data={"email": "nobody@example.com"})
    assert 'id="reset-sent"' in unknown.get_data(as_text=True)
    send_outbox()
    token = reset_token_in(body_of(mails_to(smtp, "lu@example.com")[0]))
    form = client.get(f"/password-reset/{token}")
    assert form.status_code == 200 and "lu@example.com" in form.get_data(as_text=True)
    weak = client.post(f"/password-reset/{token}", data={"password": "short"})
    assert weak.status_code == 422 and 'data-error-for="password"' in weak.get_data(as_text=True)
    done = client.post(f"/password-reset/{token}", data={"password": NEW})
    assert done.status_code == 302 and client.get("/profile").status_code == 200
    assert authenticate(person.email, NEW).id == person.id
    assert client.get(f"/password-reset/{token}").status_code == 410


def test_profile_password_change_keeps_this_session_and_ends_the_others(client, app, make_user):
    person = make_user("mo@example.com")
    other = app.test_client()
    login(client, person)
    login(other, person)
    r = client.post("/profile/password", data={"current_password": "wrong-wrong-1", "password": NEW},
                    follow_redirects=True)
    assert "not your current password" in r.get_data(as_text=True)
    r = client.post("/profile/password", data={"current_password": "Quiet-bay-42", "password": NEW},
                    follow_redirects=True)
    assert "Your password was changed" in r.get_data(as_text=True)
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302


def test_administrator_buttons_on_the_employee_page(client, admin, make_user):
    person = make_user("ni@example.com")
    login(client, admin)
    admin_mode(client)
    page = client.get(f"/company/employees/{person.id}").get_data(as_text=True)
    assert 'id="send-password-link"' in page and 'id="set-password"' in page
    r = client.post(f"/company/employees/{person.id}/password-reset", follow_redirects=True)
    assert r.status_code == 200
    assert db.session.scalar(select(SystemMail.kind).where(SystemMail.to_address == person.email)) == \
        "password_reset"
    client.post(f"/company/employees/{person.id}/password", data={"password": NEW})
    assert authenticate(person.email, NEW).id == person.id


def test_cli_set_password_with_option_prompt_and_unknown_email(runner, make_user):
    person = make_user("op@example.com")
    r = runner.invoke(args=["user", "set-password", "OP@example.com", "--password", NEW])
    assert r.exit_code == 0 and "Password set" in r.output, r.output
    assert authenticate(person.email, NEW).id == person.id
    typed = "Other-harbour-55\nOther-harbour-55\n"
    r = runner.invoke(args=["user", "set-password", "op@example.com"], input=typed)
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    assert authenticate(person.email, "Other-harbour-55").id == person.id
    r = runner.invoke(args=["user", "set-password", "op@example.com", "--password", "short"])
    assert r.exit_code != 0 and "password" in r.output and "Traceback" not in r.output
    r = runner.invoke(args=["user", "set-password", "ghost@example.com", "--password", NEW])
    assert r.exit_code != 0 and "No user with the e-mail 'ghost@example.com'" in r.output
    assert db.session.scalar(select(User.id).where(User.email == "ghost@example.com")) is None
