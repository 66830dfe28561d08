"""Passwords on pages: "Forgot password?", the page behind a reset link, changing one's own on
the profile, and an administrator's buttons on the employee page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import login_user

from errors import ServiceError
from extensions import db
from org import notify
from org.services import passwords as svc
from org.throttle import TooManyAttempts
from web.pages import pages
from web.pages.common import PUBLIC_ENDPOINTS, me

PUBLIC_ENDPOINTS.update({"pages.forgot_password", "pages.password_reset"})


def _reset_link(token: str) -> str:
    """Absolute URL of the reset page: this request's host, else BASE_URL (CLI, workers)."""
    if has_request_context():
        return url_for("pages.password_reset", token=token, _external=True)
    base = urlsplit(current_app.config.get("BASE_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build("pages.password_reset", {"token": token}, force_external=True)


notify.use_reset_link_builder(_reset_link)


@pages.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link; the answer is the same whatever the address."""
    sent, error, status, headers = False, None, 200, {}
    if request.method == "POST":
        try:
            svc.request_reset(request.form.get("email", ""), address=request.remote_addr)
            sent = True
        except TooManyAttempts as exc:
            db.session.rollback()
            error, status, headers = exc.message, 429, {"Retry-After": str(exc.retry_after)}
    return render_template("auth/forgot.html", sent=sent, error=error, form=request.form), status, headers


@pages.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    """Choose a new password through a link, then go on logged in."""
    try:
        row = svc.reset_for_token(token)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("auth/reset.html", problem=exc.message, errors={}, email=None), exc.status
    errors, status = {}, 200
    if request.method == "POST":
        try:
            user = svc.reset_password(token, request.form.get("password", ""))
        except ServiceError as exc:
            db.session.rollback()
            errors, status = exc.fields or {"password": exc.message}, exc.status
        else:
            login_user(user)
            flash("Your new password is set.", "success")
            return redirect(url_for("pages.home"))
    return render_template("auth/reset.html", problem=None, errors=errors, email=row.user.email), status


@pages.post("/profile/password")
def profile_password():
    """Change one's own password; other sessions and API tokens end, this one goes on."""
    user = me()
    try:
        svc.change_own_password(user, request.form.get("current_password", ""),
                                request.form.get("password", ""))
    except ServiceError as exc:
        db.session.rollback()
        for field, why in (exc.fields or {"password": exc.message}).items():
            flash(f"Password not changed: {why} ({field.replace('_', ' ')}).", "danger")
        return redirect(url_for("pages.profile"))
    login_user(user)  # this session carries the new session version
    flash("Your password was changed; your other sessions and API tokens ended.", "success")
    return redirect(url_for("pages.profile"))


@pages.post("/company/employees/<int:user_id>/password-reset")
def employee_password_reset(user_id: int):
    svc.send_reset_link(user_id, actor=me())
    flash("A link to choose a new password was sent (see the mail outbox if SMTP is not set).", "success")
    return redirect(url_for("pages.person", user_id=user_id))


@pages.post("/company/employees/<int:user_id>/password")
def employee_password(user_id: int):
    try:
        svc.set_password(user_id, request.form.get("password", ""), actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(f"Password not set: {'; '.join((exc.fields or {'': exc.message}).values())}", "danger")
    else:
        flash("The password was set; their sessions and API tokens ended.", "success")
    return redirect(url_for("pages.person", user_id=user_id))
