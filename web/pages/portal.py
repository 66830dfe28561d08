"""Admin mode (profile menu), invitations (list, invite, resend, revoke) and the page behind
an invitation link, where the invited person sets their name and password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user

from errors import ServiceError
from extensions import db
from mail.outbox import unsent_link
from org import notify
from org.admin import acts_as_admin, admin_mode_on, has_admin_rights, require_can_switch
from org.services import invitations as svc
from org.services.two_factor import require_admin_mode_allowed
from org.states import PORTAL_INVITATION_STATES, InvitationState
from web.auth import set_session_admin_mode
from web.pages import pages
from web.pages.common import me

PUBLIC = {"pages.invitation_accept"}


def _accept_link(token: str) -> str:
    """Absolute URL of the invitation page: this request's host, else BASE_URL (CLI, workers)."""
    if has_request_context():
        return url_for("pages.invitation_accept", token=token, _external=True)
    base = urlsplit(current_app.config.get("BASE_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build("pages.invitation_accept", {"token": token}, force_external=True)


notify.use_link_builder(_accept_link)


@pages.app_context_processor
def _portal_globals() -> dict:
    """`admin_mode` (the banner, admin-only controls) and `has_admin_rights` (the menu switch)."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"admin_mode": False, "is_administrator": False, "acts_as_admin": False}
    user = me()
    return {"admin_mode": admin_mode_on(user), "is_administrator": has_admin_rights(user),
            "acts_as_admin": acts_as_admin(user)}


def _back(default: str = "pages.home") -> str:
    target = request.form.get("next") or request.referrer or ""
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return url_for(default)
    return (parts.path or url_for(default)) + (f"?{parts.query}" if parts.query else "")


@pages.post("/admin-mode")
def admin_mode_switch():
    """Switch admin mode on or off for this session (it ends with the session)."""
    on = request.form.get("on") == "1"
    require_can_switch(me(), on)
    require_admin_mode_allowed(me(), on)
    set_session_admin_mode(me(), on)
    flash("Admin mode is on: administrative pages and actions are enabled." if on
          else "Admin mode is off: you work as an ordinary user.", "warning" if on else "info")
    return redirect(_back())


# ---- invitations ----------------------------------------------------------------------------

@pages.get("/company/invitations")
def invitations():
    state = request.args.get("state") or None
    rows = svc.list_invitations(actor=me(), state=state if state in PORTAL_INVITATION_STATES else None)
    return render_template("company/invitations.html", rows=rows, state=state, emails="")


@pages.post("/company/invitations")
def invitations_send():
    raw = request.form.get("emails", "")
    emails = [e for e in raw.replace(",", " ").replace(";", " ").split() if e]
    try:
        sent = svc.invite_people(emails, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        errors = list(exc.fields.values()) or [exc.message]
        return render_template("company/invitations.html", rows=svc.list_invitations(actor=me()),
                               state=None, emails=raw, errors=errors), exc.status
    failed = [r.email for r in sent if r.send_error]
    if failed:  # the links to pass on by hand, shown once here (and in the mail outbox)
        links = {email: unsent_link(email, ("invitation",)) for email in failed}
        return render_template("company/invitations.html", rows=svc.list_invitations(actor=me()), state=None,
                               emails="", links=links, sent_count=len(sent))
    flash(f"Invited {len(sent)} {'person' if len(sent) == 1 else 'people'}.", "success")
    return redirect(url_for("pages.invitations"))


@pages.post("/company/invitations/<int:invitation_id>/resend")
def invitation_resend(invitation_id: int):
    row = svc.resend_invitation(invitation_id, actor=me())
    if not row.send_error:
        flash(f"A new link was sent to {row.email}; the old one no longer works.", "success")
    else:
        link = unsent_link(row.email, ("invitation", "welcome"))
        flash(f"The mail to {row.email} could not be sent ({row.send_error})."
              + (f" Pass this link on: {link}" if link else ""), "warning")
    return redirect(_back("pages.invitations"))


@pages.post("/company/invitations/<int:invitation_id>/revoke")
def invitation_revoke(invitation_id: int):
    row = svc.revoke_invitation(invitation_id, actor=me())
    flash(f"The invitation of {row.email} was revoked.", "success")
    return redirect(_back("pages.invitations"))


# ---- accepting (public) ---------------------------------------------------------------------

@pages.route("/invitation/<token>", methods=["GET", "POST"])
def invitation_accept(token: str):
    """Set name and password through a link; then log in."""
    try:
        row = svc.invitation_for_token(token)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("auth/invitation.html", problem=exc.message, row=None, form={}, errors={}), 404
    problem, errors, status = None, {}, 200
    if row.state != InvitationState.PENDING:
        problem, status = {InvitationState.ACCEPTED: "This link was already used: log in with your password.",
                           InvitationState.EXPIRED: "This link has expired: ask for a new invitation.",
                           InvitationState.REVOKED: "This invitation was revoked."}[row.state], 410
    elif request.method == "POST":
        try:
            user = svc.accept_invitation(token, request.form.to_dict())
        except ServiceError as exc:
            db.session.rollback()
            problem = None if exc.fields else exc.message
            errors, status = exc.fields, exc.status
        else:
            flash("Your account is ready: log in with your e-mail address and the new password.", "success")
            return redirect(url_for("pages.login", email=user.email))
    form = request.form if request.method == "POST" else {
        "first_name": row.user.first_name, "last_name": row.user.last_name}
    return render_template("auth/invitation.html", row=row, problem=problem, errors=errors, form=form), status
