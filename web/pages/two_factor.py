"""My profile's two-factor sign-in: set up (QR code, first code), recovery codes, switch off."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ServiceError
from extensions import db
from org.services import two_factor as svc
from web.pages import pages
from web.pages.common import me


def _render(*, errors: dict | None = None, codes: list[str] | None = None, status: int = 200):
    user = me()
    pending = svc.enrolment(user) if user.totp_secret and not user.has_two_factor else None
    return render_template("profile_two_factor.html", user=user, pending=pending, codes=codes,
                           errors=errors or {}, required=svc.enrolment_required(user),
                           left=svc.recovery_codes_left(user) if user.has_two_factor else 0), status


def _refused(exc: ServiceError):
    db.session.rollback()
    return _render(errors=exc.fields or {"_": exc.message}, status=exc.status)


@pages.get("/profile/two-factor")
def two_factor():
    return _render()


@pages.post("/profile/two-factor/start")
def two_factor_start():
    """A new key, shown as a QR code until a first code confirms it."""
    try:
        svc.begin_enrolment(actor=me())
    except ServiceError as exc:
        return _refused(exc)
    return redirect(url_for("pages.two_factor"))


@pages.post("/profile/two-factor/confirm")
def two_factor_confirm():
    """The first code turns it on; the recovery codes are shown in this answer only."""
    try:
        codes = svc.confirm_enrolment(request.form.get("code", ""), actor=me())
    except ServiceError as exc:
        return _refused(exc)
    flash("Two-factor sign-in is on.", "success")
    return _render(codes=codes)


@pages.post("/profile/two-factor/recovery-codes")
def two_factor_recovery_codes():
    try:
        codes = svc.regenerate_recovery_codes(request.form.get("code", ""), actor=me())
    except ServiceError as exc:
        return _refused(exc)
    return _render(codes=codes)


@pages.post("/profile/two-factor/disable")
def two_factor_disable():
    try:
        svc.disable(request.form.get("password", ""), request.form.get("code", ""), actor=me())
    except ServiceError as exc:
        return _refused(exc)
    flash("Two-factor sign-in is off.", "info")
    return redirect(url_for("pages.two_factor"))
