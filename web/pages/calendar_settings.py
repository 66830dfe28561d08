"""External calendars on the profile page: add, sync now, remove (calendars.services.external)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for

from calendars.services import external as svc
from calendars.states import SyncState
from errors import ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.profile import render_profile

FIELDS = ("name", "url", "username", "password")


@pages.post("/profile/calendars")
def external_calendar_add():
    data = {k: request.form.get(k, "") for k in FIELDS}
    try:
        svc.create_external(data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return render_profile(status=422, external_errors=exc.fields or {"_": exc.message},
                              external_form=data)
    flash("Calendar added; it synchronises in a moment.", "success")
    return redirect(url_for("pages.profile") + "#external-calendars")


@pages.post("/profile/calendars/<int:external_id>/sync")
def external_calendar_sync(external_id: int):
    row = svc.sync_now(external_id, actor=me())
    if row.state == SyncState.OK:
        flash(f"{row.name} is synchronised.", "success")
    else:
        flash(f"{row.name}: {row.last_error}", "danger")
    return redirect(url_for("pages.profile") + "#external-calendars")


@pages.post("/profile/calendars/<int:external_id>/delete")
def external_calendar_delete(external_id: int):
    svc.delete_external(external_id, actor=me())
    flash("Calendar removed.", "success")
    return redirect(url_for("pages.profile") + "#external-calendars")
