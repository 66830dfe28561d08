"""Session login for pages and bearer tokens for the API; admin mode per session or token."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import select

from errors import Unauthorized
from extensions import db, login_manager
from org import admin as admin_mode
from org import audit
from org.models import User
from org.rights_epoch import epoch_column, note_epoch
from org.services.two_factor import NEEDS_ENROLMENT, admin_mode_allowed
from org.settings import note_security, security_column
from org.zones import company_column, note_company

# The session key holding admin mode: the user's "id:session_version" while it is on, so it
# never carries over to another account or survives a password change or dismissal.
ADMIN_MODE_KEY = "admin_mode"


def init_login(app: Flask) -> None:
    login_manager.login_view = "pages.login"
    login_manager.login_message_category = "warning"
    app.before_request(_start_request)
    app.teardown_request(_end_request)


def _start_request() -> None:
    """Every request starts with nobody in admin mode, until a loader below says otherwise.

    The user is loaded afresh too: an app context shared by several requests (tests, or a
    request pushed inside another context) must not reuse the previous request's user."""
    g.pop("_login_user", None)
    admin_mode.enter_request(None, False)
    audit.enter_request(request.remote_addr)


def _end_request(_exc: BaseException | None = None) -> None:
    admin_mode.leave_request()
    audit.leave_request()


@user_logged_in.connect
@user_logged_out.connect
def _admin_mode_ends(_app: Flask, **_: object) -> None:
    """Logging in or out always starts with admin mode off."""
    session.pop(ADMIN_MODE_KEY, None)


def load_session_user(user_id: str) -> User | None:
    """The active user a session's "id:version" names; a bumped version (dismissal) ends it."""
    try:
        uid, version = (int(p) for p in user_id.split(":"))
    except ValueError:
        return None
    user = _user_row(uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def _user_row(uid: int) -> User | None:
    """The user, the security setting the admin-mode check needs, the company document (its
    time zone dates show in) and the rights epoch (crm.rights.cache), in one query."""
    found = db.session.execute(
        select(User, security_column(), company_column(), epoch_column()).where(User.id == uid)).first()
    if found is None:
        return None
    note_security(found[1])
    note_company(found[2])
    note_epoch(found[3])
    return found[0]


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = load_session_user(user_id)
    if user is None:
        return None
    admin_mode.enter_request(user.id, session.get(ADMIN_MODE_KEY) == user.get_id(), _refused(user))
    return user


def _refused(user: User) -> str | None:
    """An administrator who must set up two-factor sign-in first has no admin mode."""
    return None if admin_mode_allowed(user) else NEEDS_ENROLMENT


def set_session_admin_mode(user: User, on: bool) -> None:
    """Switch admin mode for this browser session (the caller checked the user may)."""
    if on:
        session[ADMIN_MODE_KEY] = user.get_id()
    else:
        session.pop(ADMIN_MODE_KEY, None)
    admin_mode.enter_request(user.id, on)


def bearer_user() -> User:
    """The API caller from `Authorization: Bearer <token>`; 401 without a valid one."""
    from org.services.tokens import token_owner

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <token> (POST /api/v1/auth/token)")
    found = token_owner(token.strip())
    if found is None:
        raise Unauthorized("Invalid or revoked token")
    g.api_token = found[1]
    admin_mode.enter_request(found[0].id, found[1].admin_mode, _refused(found[0]))
    return found[0]


def token_user() -> User:
    """The caller from a bearer token, or HTTP Basic with the e-mail and an API token; 401 otherwise."""
    from org.services.tokens import token_owner

    auth = request.authorization
    if auth is None or auth.type != "basic":
        return bearer_user()
    found = token_owner(auth.password or "")
    if found is None or found[0].email.lower() != (auth.username or "").strip().lower():
        raise Unauthorized("Send HTTP Basic with your e-mail and an API token, or a Bearer token")
    g.api_token = found[1]
    admin_mode.enter_request(found[0].id, found[1].admin_mode, _refused(found[0]))
    return found[0]
