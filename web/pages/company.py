"""The company: the employee directory (active, pending, inactive; search; department tree) and
departments; administrators add people (with a password, or a link to set one) and departments."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ValidationError
from extensions import db
from org.queries import latest_invitations, user_state_counts
from org.services.departments import create_department, find_department, list_departments
from org.services.invitations import add_colleague
from org.services.users import USER_STATES, create_user, list_users, require_admin
from org.states import UserState
from web.pages import pages
from web.pages.common import me


@pages.get("/company/employees")
def employees():
    """The directory: a tab per state, a search box, the department tree as a filter."""
    state = request.args.get("state", UserState.ACTIVE)
    state = state if state in USER_STATES else UserState.ACTIVE
    q = request.args.get("q", "").strip()
    ref = request.args.get("department", "")
    dep = find_department(int(ref)) if ref.isdigit() else None
    people = list_users(state=state, q=q, department_path=dep.path if dep else None)
    invitations = latest_invitations(u.id for u in people if u.pending)
    return render_template("company/employees.html", people=people, q=q, state=state, department=dep,
                           tree=_tree(), counts=user_state_counts(), invitations=invitations)


def _tree() -> list[dict]:
    """Departments in tree order with their depth, head and member count."""
    rows = []
    for dep in list_departments():
        rows.append({"dep": dep, "depth": dep.path.strip("/").count("/"), "head": dep.head,
                     "members": [m.user for m in dep.members if m.user.is_active]})
    return rows


@pages.get("/company/departments")
def departments():
    return render_template("company/departments.html", tree=_tree())


@pages.route("/company/departments/new", methods=["GET", "POST"])
def department_new():
    require_admin(me())
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            dep = create_department(form.get("name", ""), actor=me(), parent_id=form.get("parent_id") or None,
                                    head_id=form.get("head_id") or None)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
        else:
            flash(f"Department “{dep.name}” created.", "success")
            return redirect(url_for("pages.departments"))
    return render_template("company/department_form.html", errors=errors, form=request.form,
                           tree=_tree(), users=list_users()), (422 if errors else 200)


@pages.route("/company/employees/new", methods=["GET", "POST"])
def employee_new():
    require_admin(me())
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        dep_id = int(form["department_id"]) if form.get("department_id", "").isdigit() else None
        try:
            if form.get("password"):
                user = create_user(
                    form.get("email", ""), form["password"], actor=me(),
                    first_name=form.get("first_name", ""), last_name=form.get("last_name", ""),
                    position=form.get("position", ""), is_admin=bool(form.get("is_admin")),
                    department_id=dep_id)
            else:  # no password: they get a mail with a link to set one
                user = add_colleague({**form.to_dict(), "department_id": dep_id,
                                      "is_admin": bool(form.get("is_admin"))}, actor=me())
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": exc.message}
        else:
            flash(f"{user.full_name} was added." if form.get("password") else
                  f"{user.full_name} was added and got a mail with a link to set a password.", "success")
            return redirect(url_for("pages.person", user_id=user.id))
    return render_template("company/employee_form.html", errors=errors, form=request.form,
                           tree=_tree()), (422 if errors else 200)
