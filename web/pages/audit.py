"""Settings: the audit log (filters, newest first) and security (two-factor sign-in for administrators)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ValidationError
from org import audit
from org import settings as org_settings
from web.pages import pages
from web.pages.common import me

PAGE_SIZE = 50


@pages.get("/settings/audit")
def audit_log():
    filters = {k: request.args.get(k, "") for k in ("actor", "action", "from", "to")}
    try:
        rows, nxt = audit.list_entries(filters, actor=me(), limit=PAGE_SIZE,
                                       cursor=request.args.get("cursor") or None)
        errors = {}
    except ValidationError as exc:
        rows, nxt, errors = [], None, exc.fields
    return render_template("settings/audit.html", rows=rows, next_cursor=nxt, filters=filters,
                           errors=errors, actions=audit.ACTIONS), (422 if errors else 200)


@pages.get("/settings/security")
def security_settings():
    return render_template("settings/security.html", settings=org_settings.security_settings(actor=me()))


@pages.post("/settings/security")
def security_settings_save():
    org_settings.save_security_settings(
        {"require_2fa_for_admins": request.form.get("require_2fa_for_admins") == "1"}, actor=me())
    flash("Security settings saved.", "success")
    return redirect(url_for("pages.security_settings"))
