"""First account, log in, log out."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from errors import ServiceError
from org.services.users import authenticate, create_first_admin, has_users
from web.pages import pages


@pages.get("/")
def home():  # noqa: ANN201
    if not has_users():
        return redirect(url_for("pages.setup"))
    if not current_user.is_authenticated:
        return redirect(url_for("pages.login"))
    return render_template("home.html")


@pages.route("/setup", methods=["GET", "POST"])
def setup():  # noqa: ANN201
    if has_users():
        return redirect(url_for("pages.login"))
    error = None
    fields: dict = {}
    if request.method == "POST":
        try:
            user = create_first_admin(request.form.get("email", ""), request.form.get("password", ""),
                                      request.form.get("first_name", ""), request.form.get("last_name", ""))
        except ServiceError as exc:
            error, fields = exc.message, exc.fields
        else:
            login_user(user)
            return redirect(url_for("pages.home"))
    return render_template("auth/setup.html", error=error, fields=fields, form=request.form)


@pages.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    if not has_users():
        return redirect(url_for("pages.setup"))
    error = None
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("email", ""), request.form.get("password", ""))
        except ServiceError as exc:
            error = exc.message
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(request.args.get("next") or url_for("pages.home"))
    return render_template("auth/login.html", error=error, form=request.form)


@pages.post("/logout")
@login_required
def logout():  # noqa: ANN201
    logout_user()
    return redirect(url_for("pages.login"))
