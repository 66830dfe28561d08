"""First account, log in, log out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from errors import ServiceError
from extensions import db
from org.models import User
from org.services.users import authenticate, create_first_admin, end_sessions, has_users
from org.throttle import TooManyAttempts
from web.pages import pages


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
            login_user(user)
            _seed_demo(user)
            flash("Welcome to Flowdesk! Your administrator account is ready.", "success")
            return redirect(url_for("pages.home"))
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
            error, status = exc.message, exc.status
            if isinstance(exc, TooManyAttempts):
                headers["Retry-After"] = str(exc.retry_after)
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
    form = request.form if request.method == "POST" else {"email": request.args.get("email", "")}
    return render_template("auth/login.html", error=error, form=form), status, headers


@pages.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user)
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("pages.login"))
