"""The company: employees and the department tree; administrators add people and departments."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ValidationError
from org.services.departments import create_department, list_departments
from org.services.users import create_user, list_users, require_admin
from web.pages import pages
from web.pages.common import me


@pages.get("/company/employees")
def employees():  # noqa: ANN201
    q = request.args.get("q", "").strip().lower()
    people = list_users()
    if q:
        people = [u for u in people if q in f"{u.full_name} {u.email} {u.position}".lower()]
    return render_template("company/employees.html", people=people, q=q)


def _tree() -> list[dict]:
    """Departments in tree order with their depth, head and member count."""
    rows = []
    for dep in list_departments():
        rows.append({"dep": dep, "depth": dep.path.strip("/").count("/"), "head": dep.head,
                     "members": [m.user for m in dep.members if m.user.is_active]})
    return rows


@pages.get("/company/departments")
def departments():  # noqa: ANN201
    return render_template("company/departments.html", tree=_tree())


@pages.route("/company/departments/new", methods=["GET", "POST"])
def department_new():  # noqa: ANN201
    require_admin(me())
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            dep = create_department(form.get("name", ""), actor=me(), parent_id=form.get("parent_id") or None,
                                    head_id=form.get("head_id") or None)
        except ValidationError as exc:
            errors = exc.fields or {"_": exc.message}
        else:
            flash(f"Department “{dep.name}” created.", "success")
            return redirect(url_for("pages.departments"))
    return render_template("company/department_form.html", errors=errors, form=request.form,
                           tree=_tree(), users=list_users()), (422 if errors else 200)


@pages.route("/company/employees/new", methods=["GET", "POST"])
def employee_new():  # noqa: ANN201
    require_admin(me())
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            user = create_user(
                form.get("email", ""), form.get("password") or None, actor=me(),
                first_name=form.get("first_name", ""), last_name=form.get("last_name", ""),
                position=form.get("position", ""), is_admin=bool(form.get("is_admin")),
                department_id=int(form["department_id"]) if form.get("department_id", "").isdigit() else None)
        except ValidationError as exc:
            errors = exc.fields or {"_": exc.message}
        else:
            flash(f"{user.full_name} was added.", "success")
            return redirect(url_for("pages.employees"))
    return render_template("company/employee_form.html", errors=errors, form=request.form,
                           tree=_tree()), (422 if errors else 200)
