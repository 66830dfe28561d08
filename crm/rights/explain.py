""""Why can this user see this record?": the role, level and department behind an answer."""
from __future__ import annotations

from crm import access
from crm.rights.matrix import ALL, DEPARTMENT, LEVELS, NONE, OWN, Grant, Rights
from org.actors import Actor, ProcessActor


def explain(user: Actor, entity: str, action: str, record: object | None = None) -> dict:
    """{allowed, role, level, department, reason} for `user` doing `action` on `record`."""
    rights = access.rights_of(user)
    status = access.status_of(entity, record)
    answer = {"allowed": False, "role": None, "level": "none", "department": None, "reason": ""}
    if isinstance(user, ProcessActor) or rights.full:
        who = "Processes act with the system identity" if isinstance(user, ProcessActor) else \
            "Portal administrators"
        return {**answer, "allowed": True, "level": "all", "reason": f"{who} have every CRM right"}
    if not access._active(user):
        return {**answer, "reason": "The user is deactivated"}
    if record is None:
        level = rights.any_level(entity, action)
        grant = _granting(rights, entity, action, level)
        return {**answer, "allowed": level > NONE, "level": LEVELS[level], "role": _role(grant),
                "reason": _general_reason(grant, entity, action, level)}
    level, grant = rights.best(entity, action, status)
    cell = f"{action} {entity}" + (f" (status {status})" if status else "")
    if level == NONE:
        return {**answer, "reason": f"No role of the user grants {cell}"}
    allowed = access.within(rights, entity, level, record)
    department, where = _department(rights, entity, level, record)
    reason = f"{grant.describe().capitalize()} grants {LEVELS[level]} for {cell}; {where}"
    return {"allowed": allowed, "role": _role(grant), "level": LEVELS[level],
            "department": department, "reason": reason}


def _granting(rights: Rights, entity: str, action: str, level: int) -> Grant | None:
    for status in [None, *sorted(rights.status_overrides(entity, action))]:
        found, grant = rights.best(entity, action, status)
        if found == level and grant is not None:
            return grant
    return None


def _general_reason(grant: Grant | None, entity: str, action: str, level: int) -> str:
    if grant is None:
        return f"No role of the user grants {action} {entity}"
    return f"{grant.describe().capitalize()} grants {LEVELS[level]} for {action} {entity}"


def _role(grant: Grant | None) -> dict | None:
    if grant is None:
        return None
    return {"id": grant.role_id, "name": grant.role_name, "via": grant.via, "via_name": grant.via_name}


def _department(rights: Rights, entity: str, level: int, record: object) -> tuple[dict | None, str]:
    """The department that decided (the user's one matching the record's), and the reason's tail."""
    record_dep = access.department_by_path(record.dept_path or "")
    record_dict = {"id": record_dep.id, "name": record_dep.name} if record_dep else None
    if access._is_own(rights, entity, record):
        return record_dict, "the user is responsible for the record"
    if level == OWN:
        return record_dict, "the record is not the user's own"
    if level == ALL:
        return record_dict, "every record is included"
    if not rights.departments:
        return None, "the user belongs to no department, so only their own records count"
    mine = access.matching_department(rights, level, record.dept_path or "")
    where = record_dep.name if record_dep else "no department"
    if mine is None:
        scope = "the user's departments" + (" and their sub-departments" if level > DEPARTMENT else "")
        return record_dict, f"the record's department ({where}) is outside {scope}"
    if mine[2] == record.dept_path:
        return {"id": mine[0], "name": mine[1]}, f"the record belongs to the user's department {mine[1]}"
    return {"id": mine[0], "name": mine[1]}, f"the record's department {where} is within {mine[1]}"
