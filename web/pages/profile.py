"""My profile: name and position, and personal API tokens (shown once when issued)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from calendars.services.external import list_external
from errors import ValidationError
from extensions import db
from org.services.tokens import issue_token, list_tokens, revoke_token
from org.services.users import update_user
from web.pages import pages
from web.pages.common import me
from web.pages.zones import zone_choices


def render_profile(errors: dict | None = None, new_token: str | None = None, status: int = 200,
                   **extra: object):
    """The profile page (also shown again by calendar_settings with its form errors)."""
    user = me()
    return render_template("profile.html", user=user, tokens=list_tokens(user), errors=errors or {},
                           new_token=new_token, form=request.form if errors else None,
                           external_calendars=list_external(actor=user), zones=zone_choices(),
                           **extra), status


@pages.get("/profile")
def profile():
    return render_profile()


@pages.post("/profile")
def profile_save():
    data = {k: request.form.get(k, "") for k in ("first_name", "last_name", "position", "time_zone")}
    try:
        update_user(me().id, data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return render_profile(exc.fields or {"_": exc.message}, status=422)
    flash("Profile saved.", "success")
    return redirect(url_for("pages.profile"))


@pages.post("/profile/tokens")
def token_issue():
    """Issue a token and show it in this answer only: it is never stored in clear."""
    token, _ = issue_token(me(), request.form.get("name", "").strip()[:200])
    return render_profile(new_token=token)


@pages.post("/profile/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    revoke_token(token_id, actor=me())
    flash("The token was revoked; programs using it can no longer call the API.", "success")
    return redirect(url_for("pages.profile"))
