"""Users, departments, the caller (/me) and personal API tokens."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import json_value
from errors import ValidationError
from org.models import ApiToken, Department, User, valid_id
from org.services import departments as dep_svc
from org.services import tokens as token_svc
from org.services import users as user_svc
from web.api import api, json_body

USER_TEXT = ("email", "password", "first_name", "last_name", "position")
USER_FIELDS = (*USER_TEXT, "is_admin", "department_ids")
COLLEAGUE_FIELDS = ("email", "first_name", "last_name", "position", "department_ids", "password_link")
DEPARTMENT_FIELDS = ("name", "parent_id", "head_id")


def user_to_dict(user: User) -> dict:
    memberships = sorted(user.memberships, key=lambda m: (not m.is_primary, m.id))
    return {
        "id": user.id, "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "full_name": user.full_name, "position": user.position,
        "is_admin": user.is_admin, "active": user.active, "state": user.state,
        "department_ids": [m.department_id for m in memberships],
        "created_at": json_value(user.created_at), "dismissed_at": json_value(user.dismissed_at),
    }


def department_to_dict(dep: Department) -> dict:
    members = sorted(dep.members, key=lambda m: m.user_id)
    return {
        "id": dep.id, "name": dep.name, "parent_id": dep.parent_id, "head_id": dep.head_id,
        "path": dep.path,
        "members": [{"user_id": m.user_id, "full_name": m.user.full_name, "email": m.user.email,
                     "is_primary": m.is_primary} for m in members],
    }


def token_to_dict(row: ApiToken) -> dict:
    return {"id": row.id, "name": row.name, "created_at": json_value(row.created_at),
            "last_used_at": json_value(row.last_used_at)}


def _parse(data: dict, allowed: tuple[str, ...], *, text: tuple[str, ...] = (), flags: tuple[str, ...] = (),
           ids: tuple[str, ...] = (), id_lists: tuple[str, ...] = ()) -> dict:
    """Check JSON types field by field; 422 naming every field that is wrong or unknown."""
    errors = {k: "Unknown field" for k in data if k not in allowed}
    for name, value in data.items():
        if name in text and not isinstance(value, str) and not (value is None and name != "password"):
            errors[name] = "Expected text"
        elif name in flags and not isinstance(value, bool):
            errors[name] = "Expected true or false"
        elif name in ids and value is not None and not _is_id(value):
            errors[name] = "Expected an id or null"
        elif name in id_lists and not (isinstance(value, list) and all(_is_id(v) for v in value)):
            errors[name] = "Expected a list of ids"
    if errors:
        raise ValidationError.from_fields(errors)
    return data


def _is_id(value: object) -> bool:
    return type(value) is int and valid_id(value)


def _user_data(data: dict) -> dict:
    return _parse(data, USER_FIELDS, text=USER_TEXT, flags=("is_admin",), id_lists=("department_ids",))


@api.get("/users")
def list_users():
    """People in the portal; `?active=false` lists inactive ones, `?active=all` everyone;
    `?state=active|pending|dismissed`, `?q=` (names, e-mail, position), `?department_id=` (with
    its sub-departments) narrow the list."""
    raw = request.args.get("active", "true").lower()
    if raw not in ("true", "false", "all"):
        raise ValidationError.from_fields({"active": "Use true, false or all"})
    path = None
    if request.args.get("department_id"):
        ref = request.args["department_id"]
        path = dep_svc.get_department(int(ref)).path if valid_id(ref) else None
        if path is None:
            raise ValidationError.from_fields({"department_id": "Expected a department id"})
    users = user_svc.list_users(active=None if raw == "all" else raw == "true",
                                state=request.args.get("state") or None, q=request.args.get("q", ""),
                                department_path=path)
    return jsonify({"items": [user_to_dict(u) for u in users]})


@api.get("/users/<int:user_id>")
def get_user(user_id: int):
    return jsonify(user_to_dict(user_svc.get_user(user_id)))


@api.post("/users")
def create_user():
    user_svc.require_admin(g.actor)
    body = json_body()
    if body.get("password_link") is True:  # add a colleague: they get a link to set a password
        return _add_colleague(body)
    data = _user_data(body)
    if not data.get("email") or not data.get("password"):
        raise ValidationError.from_fields(
            {k: "This field is required" for k in ("email", "password") if not data.get(k)})
    user = user_svc.create_user(
        data["email"], data["password"], actor=g.actor, first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "", position=data.get("position") or "",
        is_admin=data.get("is_admin", False), department_ids=data.get("department_ids"))
    return jsonify(user_to_dict(user)), 201


def _add_colleague(body: dict):
    from org.services.invitations import add_colleague

    data = _parse(body, COLLEAGUE_FIELDS, text=USER_TEXT, flags=("password_link",),
                  id_lists=("department_ids",))
    if not data.get("email"):
        raise ValidationError.from_fields({"email": "This field is required"})
    if len(data.get("department_ids") or []) > 1:
        raise ValidationError.from_fields({"department_ids": "Give one department (or none)"})
    user = add_colleague({**data, "department_id": (data.get("department_ids") or [None])[0]}, actor=g.actor)
    return jsonify(user_to_dict(user)), 201


@api.patch("/users/<int:user_id>")
def update_user(user_id: int):
    user = user_svc.update_user(user_id, _user_data(json_body()), actor=g.actor)
    return jsonify(user_to_dict(user))


@api.get("/me")
def me():
    """The caller, with whether admin mode is on for this token."""
    from org.admin import admin_mode_on

    return jsonify({**user_to_dict(g.actor), "admin_mode": admin_mode_on(g.actor)})


@api.get("/me/tokens")
def list_my_tokens():
    return jsonify({"items": [token_to_dict(t) for t in token_svc.list_tokens(g.actor)]})


@api.post("/me/tokens")
def create_my_token():
    """A new personal token; the token itself is in this answer only."""
    data = _parse(json_body(), ("name",), text=("name",))
    name = (data.get("name") or "").strip()
    if len(name) > 200:
        raise ValidationError.from_fields({"name": "At most 200 characters"})
    token, row = token_svc.issue_token(g.actor, name)
    return jsonify({**token_to_dict(row), "token": token}), 201


@api.delete("/me/tokens/<int:token_id>")
def revoke_my_token(token_id: int):
    token_svc.revoke_token(token_id, actor=g.actor)
    return "", 204


@api.get("/departments")
def list_departments():
    return jsonify({"items": [department_to_dict(d) for d in dep_svc.list_departments()]})


@api.get("/departments/<int:department_id>")
def get_department(department_id: int):
    return jsonify(department_to_dict(dep_svc.get_department(department_id)))


def _department_data(data: dict) -> dict:
    return _parse(data, DEPARTMENT_FIELDS, text=("name",), ids=("parent_id", "head_id"))


@api.post("/departments")
def create_department():
    user_svc.require_admin(g.actor)
    data = _department_data(json_body())
    dep = dep_svc.create_department(str(data.get("name") or ""), actor=g.actor,
                                    parent_id=data.get("parent_id"), head_id=data.get("head_id"))
    return jsonify(department_to_dict(dep)), 201


@api.patch("/departments/<int:department_id>")
def update_department(department_id: int):
    user_svc.require_admin(g.actor)
    dep = dep_svc.update_department(department_id, _department_data(json_body()), actor=g.actor)
    return jsonify(department_to_dict(dep))


@api.delete("/departments/<int:department_id>")
def delete_department(department_id: int):
    dep_svc.delete_department(department_id, actor=g.actor)
    return "", 204
