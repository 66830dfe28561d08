"""Roles and assignments: list, create, change, assign; writes need "change access settings"."""
from __future__ import annotations

from sqlalchemy import select

from crm import access
from crm.models import StatusValue
from crm.rights.models import ACTIONS, ENTITIES, LEVELS, STATUS_FIELDS, Role, RoleAssignment, RolePermission
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor
from org.models import Department, User
from org.workgroups import Workgroup


def _require_reader(actor: Actor) -> None:
    if not access._active(actor):
        raise Forbidden("Log in to see roles")


def list_roles(*, actor: Actor) -> list[Role]:
    _require_reader(actor)
    return list(db.session.scalars(select(Role).order_by(Role.id)))


def get_role(role_id: int, *, actor: Actor) -> Role:
    _require_reader(actor)
    role = db.session.get(Role, role_id)
    if role is None:
        raise NotFound(f"No role {role_id}")
    return role


def create_role(data: dict, *, actor: Actor) -> Role:
    """A new role: a name, optional flags and matrix (cells not given are "none")."""
    access.require_settings(actor)
    role = Role(name="", is_default=False, can_change_settings=False)
    for entity in ENTITIES:
        for action in ACTIONS:
            role.permissions.append(RolePermission(entity=entity, action=action, status=None, level="none"))
    db.session.add(role)
    _apply(role, {"name": "", **data})
    db.session.flush()
    access.forget()
    audit.record("role.create", f"role {role.id}", {"name": role.name, "given": data}, actor=actor)
    return role


def update_role(role_id: int, data: dict, *, actor: Actor) -> Role:
    """Rename, set flags, change matrix cells or per-status levels (only what `data` names)."""
    access.require_settings(actor)
    role = get_role(role_id, actor=actor)
    _apply(role, data)
    access.forget()
    audit.record("role.update", f"role {role.id}", {"name": role.name, "given": data}, actor=actor)
    return role


def delete_role(role_id: int, *, actor: Actor) -> None:
    access.require_settings(actor)
    role = get_role(role_id, actor=actor)
    audit.record("role.delete", f"role {role.id}", {"name": role.name}, actor=actor)
    db.session.delete(role)
    access.forget()


def _apply(role: Role, data: dict) -> None:
    with db.session.no_autoflush:
        errors = _apply_fields(role, data)
    if errors:
        raise ValidationError.from_fields(errors)


def _apply_fields(role: Role, data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    unknown = set(data) - {"name", "is_default", "can_change_settings", "matrix", "status_levels"}
    for name in sorted(unknown):
        errors[name] = "Unknown field"
    if "name" in data:
        _set_name(role, data["name"], errors)
    for flag in ("is_default", "can_change_settings"):
        if flag in data:
            if not isinstance(data[flag], bool):
                errors[flag] = "Expected true or false"
            else:
                setattr(role, flag, data[flag])
    if "matrix" in data:
        _set_matrix(role, data["matrix"], errors)
    if "status_levels" in data:
        _set_status_levels(role, data["status_levels"], errors)
    return errors


def _set_name(role: Role, raw: object, errors: dict[str, str]) -> None:
    name = str(raw or "").strip()
    if not name:
        errors["name"] = "A name is required"
    elif len(name) > 100:
        errors["name"] = "At most 100 characters"
    else:
        taken = db.session.scalar(select(Role.id).where(Role.name == name))
        if taken is not None and taken != role.id:
            errors["name"] = "Another role has this name"
        else:
            role.name = name


def _cell(role: Role, entity: str, action: str, status: str | None) -> RolePermission | None:
    return next((p for p in role.permissions
                 if (p.entity, p.action, p.status) == (entity, action, status)), None)


def _set_level(role: Role, entity: str, action: str, status: str | None, level: str | None) -> None:
    perm = _cell(role, entity, action, status)
    if level is None:
        if perm is not None:
            role.permissions.remove(perm)
    elif perm is None:
        role.permissions.append(RolePermission(entity=entity, action=action, status=status, level=level))
    else:
        perm.level = level


def _set_matrix(role: Role, matrix: object, errors: dict[str, str]) -> None:
    """{"lead": {"read": "own", ...}, ...}: the level for any status."""
    if not isinstance(matrix, dict):
        errors["matrix"] = 'Expected {"<entity>": {"<action>": "<level>"}}'
        return
    for entity, actions in matrix.items():
        if entity not in ENTITIES or not isinstance(actions, dict):
            errors[f"matrix.{entity}"] = f"Expected one of {', '.join(ENTITIES)} with an object of actions"
            continue
        for action, level in actions.items():
            where = f"matrix.{entity}.{action}"
            if action not in ACTIONS:
                errors[where] = f"Expected an action among {', '.join(ACTIONS)}"
            elif level not in LEVELS:
                errors[where] = f"Expected a level among {', '.join(LEVELS)}"
            else:
                _set_level(role, entity, action, None, level)


def _set_status_levels(role: Role, given: object, errors: dict[str, str]) -> None:
    """{"deal": {"read": {"WON": "all", "LOST": null}}}: per-status levels; null removes one."""
    if not isinstance(given, dict):
        errors["status_levels"] = 'Expected {"<lead|deal>": {"<action>": {"<status>": "<level>"}}}'
        return
    for entity, actions in given.items():
        if entity not in STATUS_FIELDS or not isinstance(actions, dict):
            errors[f"status_levels.{entity}"] = "Per-status levels exist for lead and deal"
            continue
        codes = set(db.session.scalars(select(StatusValue.code).where(StatusValue.entity == entity)))
        for action, statuses in actions.items():
            where = f"status_levels.{entity}.{action}"
            if action not in ACTIONS or not isinstance(statuses, dict):
                errors[where] = f"Expected an action among {', '.join(ACTIONS)} with an object of statuses"
                continue
            for status, level in statuses.items():
                if status not in codes:
                    errors[f"{where}.{status}"] = f"Unknown status; use one of {', '.join(sorted(codes))}"
                elif level is not None and level not in LEVELS:
                    errors[f"{where}.{status}"] = f"Expected a level among {', '.join(LEVELS)} or null"
                else:
                    _set_level(role, entity, action, status, level)


def add_assignment(role_id: int, data: dict, *, actor: Actor) -> RoleAssignment:
    """Give the role to a user, a department (optionally with sub-departments) or a workgroup."""
    access.require_settings(actor)
    role = get_role(role_id, actor=actor)
    assignment = RoleAssignment(role_id=role.id, include_subdepartments=False)
    _target(assignment, data)
    duplicate = db.session.scalar(select(RoleAssignment.id).where(
        RoleAssignment.role_id == role.id, RoleAssignment.user_id == assignment.user_id,
        RoleAssignment.department_id == assignment.department_id,
        RoleAssignment.workgroup_id == assignment.workgroup_id,
        RoleAssignment.include_subdepartments == assignment.include_subdepartments))
    if duplicate is not None:
        raise Conflict(f"The role already has this assignment ({duplicate})")
    db.session.add(assignment)
    db.session.flush()
    access.forget()
    audit.record("role.assign", f"role {role.id}", {"name": role.name, **_who_gets(assignment)}, actor=actor)
    return assignment


def _who_gets(assignment: RoleAssignment) -> dict:
    return {k: getattr(assignment, k) for k in ("user_id", "department_id", "workgroup_id",
                                                 "include_subdepartments") if getattr(assignment, k)}


def _target(assignment: RoleAssignment, data: dict) -> None:
    keys = [k for k in ("user_id", "department_id", "workgroup_id") if data.get(k) not in (None, "")]
    if len(keys) != 1:
        raise ValidationError.from_fields(
            {"user_id": "Send exactly one of user_id, department_id, workgroup_id"})
    key = keys[0]
    target = {"user_id": User, "department_id": Department, "workgroup_id": Workgroup}[key]
    raw = data[key]
    found = db.session.get(target, raw) if isinstance(raw, int) and not isinstance(raw, bool) else None
    if found is None or getattr(found, "is_system", False):
        raise ValidationError.from_fields({key: f"No {key[:-3]} {raw}"})
    setattr(assignment, key, found.id)
    sub = data.get("include_subdepartments", False)
    if not isinstance(sub, bool):
        raise ValidationError.from_fields({"include_subdepartments": "Expected true or false"})
    if sub and key != "department_id":
        raise ValidationError.from_fields({"include_subdepartments": "Only for a department"})
    assignment.include_subdepartments = sub


def remove_assignment(role_id: int, assignment_id: int, *, actor: Actor) -> None:
    access.require_settings(actor)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.role_id != role_id:
        raise NotFound(f"No assignment {assignment_id} of role {role_id}")
    audit.record("role.unassign", f"role {role_id}", _who_gets(assignment), actor=actor)
    db.session.delete(assignment)
    access.forget()


def role_to_dict(role: Role) -> dict:
    """The role with its full matrix, per-status levels and assignments."""
    matrix = {e: {a: "none" for a in ACTIONS} for e in ENTITIES}
    status_levels: dict = {}
    for perm in role.permissions:
        if perm.entity not in matrix or perm.action not in ACTIONS:
            continue
        if perm.status is None:
            matrix[perm.entity][perm.action] = perm.level
        else:
            status_levels.setdefault(perm.entity, {}).setdefault(perm.action, {})[perm.status] = perm.level
    return {"id": role.id, "name": role.name, "key": role.key, "is_default": role.is_default,
            "can_change_settings": role.can_change_settings, "matrix": matrix,
            "status_levels": status_levels,
            "assignments": [assignment_to_dict(a) for a in role.assignments]}


def assignment_to_dict(assignment: RoleAssignment) -> dict:
    out: dict = {"id": assignment.id, "role_id": assignment.role_id}
    if assignment.user_id is not None:
        user = db.session.get(User, assignment.user_id)
        out.update(user_id=user.id, name=user.full_name)
    elif assignment.department_id is not None:
        dep = db.session.get(Department, assignment.department_id)
        out.update(department_id=dep.id, name=dep.name,
                   include_subdepartments=assignment.include_subdepartments)
    else:
        group = db.session.get(Workgroup, assignment.workgroup_id)
        out.update(workgroup_id=group.id, name=group.name)
    return out


def explain_access(user_ref: str, entity: str, record_id: str | None, action: str, *,
                   actor: Actor) -> dict:
    """Why `user` may (or may not) `action` a record; for holders of the settings right."""
    from org.services.users import find_user

    access.require_settings(actor)
    errors: dict[str, str] = {}
    user = find_user(user_ref) if user_ref else None
    if user is None:
        errors["user"] = f"No user {user_ref!r}" if user_ref else "Give a user id or e-mail"
    if entity not in ENTITIES:
        errors["entity"] = f"Expected one of {', '.join(ENTITIES)}"
    if action not in ACTIONS:
        errors["action"] = f"Expected one of {', '.join(ACTIONS)}"
    if record_id not in (None, "") and not str(record_id).isdigit():
        errors["id"] = "Expected a record id"
    if errors:
        raise ValidationError.from_fields(errors)
    record = None
    if record_id not in (None, ""):
        record = db.session.get(access.model_of(entity), int(record_id))
        if record is None:
            raise NotFound(f"No {entity} {record_id}")
    answer = access.explain(user, entity, action, record)
    return {"user": {"id": user.id, "name": user.full_name}, "entity": entity,
            "id": record.id if record is not None else None, "action": action, **answer}
