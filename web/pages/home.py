"""The dashboard: the person's widgets in their chosen order (web/pages/dashboard.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.reports.layouts import WIDGETS, layout_for, reset_my_layout, save_my_layout, share_layout
from org.admin import acts_as_admin
from org.models import valid_id
from org.services.departments import list_departments
from org.services.users import has_users
from org.services.workgroups import list_workgroups
from web.pages import pages
from web.pages.common import me
from web.pages.dashboard import build_widgets


@pages.get("/")
def home():
    if not current_user.is_authenticated:  # a signed-in user proves there are users
        return redirect(url_for("pages.login" if has_users() else "pages.setup"))
    actor = me()
    keys, source = layout_for(actor)
    admin = acts_as_admin(actor)
    return render_template(
        "home.html", widgets=build_widgets(keys, actor), chosen=keys, layout_source=source,
        all_widgets=WIDGETS, admin=admin, departments=list_departments() if admin else [],
        workgroups=list_workgroups(actor=actor) if admin else [])


def _chosen() -> list[str]:
    """The ticked widgets, ordered by the position each was given (then the form's order)."""
    ticked = request.form.getlist("widget")
    pos = {w: request.form.get(f"pos_{w}", "") for w in ticked}
    return sorted(ticked, key=lambda w: int(pos[w]) if pos[w].isdigit() else 99)


@pages.post("/dashboard/layout")
def dashboard_layout():
    if request.form.get("reset"):
        reset_my_layout(actor=me())
        flash("Your dashboard follows the shared layout again", "success")
    else:
        save_my_layout(_chosen(), actor=me())
        flash("Dashboard saved", "success")
    return redirect(url_for("pages.home"))


@pages.post("/dashboard/layout/share")
def dashboard_layout_share():
    target = request.form.get("target", "")
    kind, _, raw = target.partition(":")
    ident = int(raw) if valid_id(raw) else 0
    share_layout(_chosen(), actor=me(), department_id=ident if kind == "department" else None,
                 workgroup_id=ident if kind == "workgroup" else None)
    flash("Layout shared", "success")
    return redirect(url_for("pages.home"))
