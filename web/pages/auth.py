"""First account, log in (password, then a code for two-factor sign-in), log out."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from errors import ServiceError
from extensions import db
from org.models import User
from org.services.two_factor import NEEDS_ENROLMENT, enrolment_required, verify_second_factor
from org.services.users import authenticate, create_first_admin, end_sessions, has_users
from org.throttle import TooManyAttempts
from web.auth import load_session_user
from web.pages import pages

# The login's password step passed, the code step still to come: {"user", "remember", "at", "next"}.
PENDING_KEY = "login_pending"
PENDING_SECONDS = 300


@pages.route("/setup", methods=["GET", "POST"])
def setup():
    """On an empty database: the first account, which becomes the administrator."""
    if has_users():
        return redirect(url_for("pages.login"))
    error = None
    fields: dict = {}
    if request.method == "POST":
        try:
            user = create_first_admin(request.form.get("email", ""), request.form.get("password", ""),
                                      request.form.get("first_name", ""), request.form.get("last_name", ""))
        except ServiceError as exc:
            db.session.rollback()
            error, fields = exc.message, exc.fields
        else:
            _seed_demo(user)
            flash("Welcome to Flowdesk! Your administrator account is ready.", "success")
            return _logged_in(user, False, url_for("pages.home"))
    return render_template("auth/setup.html", error=error, fields=fields, form=request.form), (
        422 if error else 200)


def _seed_demo(admin: User) -> None:
    """With DEMO_DATA on, fill the fresh portal with a sample team and CRM records."""
    if not current_app.config.get("DEMO_DATA"):
        return
    from demo import seed_demo_data
    from org.admin import as_operator

    try:
        # A savepoint: failing demo data must not undo the first account.
        with as_operator(), db.session.begin_nested():  # setting up, as `flask user create` would
            current_app.logger.info(seed_demo_data(admin))
    except ServiceError as exc:  # demo data is a convenience; never block the first login
        current_app.logger.warning("demo data not loaded: %s", exc.message)


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send people to another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.home")


@pages.route("/login", methods=["GET", "POST"])
def login():
    if not has_users():
        return redirect(url_for("pages.setup"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("email", ""), request.form.get("password", ""),
                                address=request.remote_addr)
        except ServiceError as exc:
            db.session.rollback()
            error, status, headers = _failure(exc)
        else:
            remember = bool(request.form.get("remember"))
            if user.has_two_factor:
                session[PENDING_KEY] = {"user": user.get_id(), "remember": remember, "at": time.time(),
                                        "next": _safe_next(request.args.get("next"))}
                return redirect(url_for("pages.login_code"))
            return _logged_in(user, remember, _safe_next(request.args.get("next")))
    form = request.form if request.method == "POST" else {"email": request.args.get("email", "")}
    return render_template("auth/login.html", error=error, form=form), status, headers


def _failure(exc: ServiceError) -> tuple[str, int, dict]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
    return exc.message, exc.status, headers


def _logged_in(user: User, remember: bool, target: str):
    """Log in; an administrator who must use two-factor sign-in goes to set it up first."""
    login_user(user, remember=remember)
    if enrolment_required(user):
        flash(NEEDS_ENROLMENT, "warning")
        return redirect(url_for("pages.two_factor"))
    return redirect(target)


def _pending_user() -> User | None:
    """Who passed the password step of this browser's login, if still fresh."""
    pending = session.get(PENDING_KEY) or {}
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = load_session_user(str(pending.get("user", "")))
    return user if user is not None and user.has_two_factor else None


@pages.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("Log in again: the sign-in took too long.", "warning")
        return redirect(url_for("pages.login"))
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            verify_second_factor(user, request.form.get("code", ""), address=request.remote_addr)
        except ServiceError as exc:
            db.session.rollback()
            error, status, headers = _failure(exc)
        else:
            pending = session.pop(PENDING_KEY)
            target = pending.get("next") or url_for("pages.home")
            return _logged_in(user, bool(pending.get("remember")), target)
    return render_template("auth/login_code.html", error=error), status, headers


@pages.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user)
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("pages.login"))
