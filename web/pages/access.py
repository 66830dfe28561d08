"""Access settings for administrators: roles and their matrix, assignments, and "why?"."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm import access as rules
from crm.queries import status_values_by_entity
from crm.rights import services as svc
from crm.rights.models import ACTIONS, ENTITIES, LEVELS
from errors import ServiceError, ValidationError
from extensions import db
from org.queries import all_workgroups
from org.services.departments import list_departments
from org.services.users import list_users
from web.pages import pages
from web.pages.common import me

LEVEL_LABELS = {"none": "None", "own": "Own", "department": "Department",
                "department_tree": "Department and sub-departments", "all": "All"}


@pages.get("/settings/roles")
def access_roles():
    rules.require_settings(me())
    roles = [svc.role_to_dict(r) for r in svc.list_roles(actor=me())]
    return render_template("access/roles.html", roles=roles, levels=LEVEL_LABELS)


@pages.post("/settings/roles")
def access_role_create():
    try:
        role = svc.create_role({"name": request.form.get("name", "")}, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.fields.get("name") or exc.message, "danger")
        return redirect(url_for("pages.access_roles"))
    flash(f"Role “{role.name}” created: set its rights below.", "success")
    return redirect(url_for("pages.access_role", role_id=role.id))


def _role_page(role_id: int, errors: dict | None = None, status: int = 200):
    role = svc.role_to_dict(svc.get_role(role_id, actor=me()))
    return render_template(
        "access/role.html", role=role, entities=ENTITIES, actions=ACTIONS, levels=LEVELS,
        level_labels=LEVEL_LABELS, statuses=status_values_by_entity(), errors=errors or {},
        users=list_users(), departments=list_departments(),
        workgroups=all_workgroups()), status


@pages.get("/settings/roles/<int:role_id>")
def access_role(role_id: int):
    rules.require_settings(me())
    return _role_page(role_id)


def _submitted_matrix(form: dict) -> dict:
    """The role form as the API's {name, flags, matrix, status_levels}."""
    matrix = {e: {a: form.get(f"m.{e}.{a}", "none") for a in ACTIONS} for e in ENTITIES}
    status_levels: dict = {}
    for entity, codes in status_values_by_entity().items():
        for action in ACTIONS:
            cell = {s.code: form.get(f"s.{entity}.{action}.{s.code}") or None for s in codes}
            status_levels.setdefault(entity, {})[action] = cell
    return {"name": form.get("name", ""), "is_default": bool(form.get("is_default")),
            "can_change_settings": bool(form.get("can_change_settings")),
            "matrix": matrix, "status_levels": status_levels}


@pages.post("/settings/roles/<int:role_id>")
def access_role_save(role_id: int):
    try:
        svc.update_role(role_id, _submitted_matrix(request.form), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _role_page(role_id, exc.fields or {"_": exc.message}, 422)
    flash("Rights saved.", "success")
    return redirect(url_for("pages.access_role", role_id=role_id))


@pages.post("/settings/roles/<int:role_id>/delete")
def access_role_delete(role_id: int):
    svc.delete_role(role_id, actor=me())
    flash("Role deleted.", "success")
    return redirect(url_for("pages.access_roles"))


@pages.post("/settings/roles/<int:role_id>/assignments")
def access_assignment_add(role_id: int):
    form = request.form
    target = form.get("target", "")
    data: dict = {}
    if target.startswith(("user:", "department:", "workgroup:")):
        kind, _, raw = target.partition(":")
        data[f"{kind}_id"] = int(raw) if raw.isdigit() else raw
        if kind == "department":
            data["include_subdepartments"] = bool(form.get("include_subdepartments"))
    try:
        svc.add_assignment(role_id, data, actor=me())
    except (ValidationError, ServiceError) as exc:
        db.session.rollback()
        flash(next(iter(exc.fields.values()), exc.message) if exc.fields else exc.message, "danger")
    else:
        flash("Role assigned.", "success")
    return redirect(url_for("pages.access_role", role_id=role_id) + "#assignments")


@pages.post("/settings/roles/<int:role_id>/assignments/<int:assignment_id>/delete")
def access_assignment_remove(role_id: int, assignment_id: int):
    svc.remove_assignment(role_id, assignment_id, actor=me())
    flash("Assignment removed.", "success")
    return redirect(url_for("pages.access_role", role_id=role_id) + "#assignments")


@pages.get("/settings/access/explain")
def access_explain():
    rules.require_settings(me())
    args = request.args
    answer, errors = None, {}
    if args.get("user"):
        try:
            answer = svc.explain_access(args.get("user", ""), args.get("entity", ""), args.get("id"),
                                        args.get("action", "read"), actor=me())
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
    return render_template("access/explain.html", answer=answer, errors=errors, args=args,
                           entities=ENTITIES, actions=ACTIONS, users=list_users()), (422 if errors else 200)
