"""The structure page's edits (administrators): rename, move (a form or drag and drop), new head, delete."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ServiceError
from extensions import db
from org.services.departments import delete_department, get_department, update_department
from org.services.users import list_users, require_admin
from web.pages import pages
from web.pages.common import me
from web.pages.company import _tree


def _form_data(form: dict, names: tuple[str, ...]) -> dict:
    return {k: (form.get(k) or None) if k != "name" else form.get(k, "") for k in names if k in form}


@pages.route("/company/departments/<int:department_id>/edit", methods=["GET", "POST"])
def department_edit(department_id: int):
    require_admin(me())
    dep = get_department(department_id)
    errors: dict = {}
    form = request.form if request.method == "POST" else {
        "name": dep.name, "parent_id": str(dep.parent_id or ""), "head_id": str(dep.head_id or "")}
    if request.method == "POST":
        try:
            update_department(dep.id, _form_data(request.form, ("name", "parent_id", "head_id")), actor=me())
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
            dep = get_department(department_id)
        else:
            flash(f"Department “{dep.name}” saved.", "success")
            return redirect(url_for("pages.departments"))
    return render_template("company/department_form.html", errors=errors, form=form, dep=dep, tree=_tree(),
                           users=list_users()), (422 if errors else 200)


@pages.post("/company/departments/<int:department_id>/move")
def department_move(department_id: int):
    """Drag and drop: a new parent (empty: the top level)."""
    try:
        parent = request.form.get("parent_id") or None
        dep = update_department(department_id, {"parent_id": parent}, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(f"Not moved: {'; '.join(exc.fields.values()) or exc.message}", "danger")
    else:
        flash(f"Department “{dep.name}” moved.", "success")
    return redirect(url_for("pages.departments"))


@pages.post("/company/departments/<int:department_id>/delete")
def department_delete(department_id: int):
    name = get_department(department_id).name
    try:
        delete_department(department_id, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(f"Department “{name}” deleted.", "success")
    return redirect(url_for("pages.departments"))
