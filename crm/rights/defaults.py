"""The four roles every portal starts with, seeded by migration 0003_access and editable."""
from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from crm.rights.models import ACTIONS, ENTITIES, Role, RolePermission


def _matrix(levels: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every action of each entity at the entity's level."""
    return {(e, a): levels[e] for e in ENTITIES for a in ACTIONS}


# (key, name, is_default, can_change_settings, {(entity, action): level})
DEFAULT_ROLES: list[tuple[str, str, bool, bool, dict[tuple[str, str], str]]] = [
    # Own leads, contacts, companies, deals and tasks. Given to users holding no other role.
    ("manager", "Manager", True, False, _matrix({e: "own" for e in ENTITIES})),
    # Personal and department (with sub-departments) leads, contacts, deals, tasks; all companies.
    ("head_of_department", "Head of department", False, False,
     _matrix({**{e: "department_tree" for e in ENTITIES}, "company": "all"})),
    ("chief_executive", "Chief executive", False, False, _matrix({e: "all" for e in ENTITIES})),
    ("administrator", "Administrator", False, True, _matrix({e: "all" for e in ENTITIES})),
]


def seed_default_roles(conn: Connection) -> None:
    """Insert the default roles (the caller makes sure none of them exists yet)."""
    for key, name, is_default, settings, cells in DEFAULT_ROLES:
        role_id = conn.execute(insert(Role.__table__).values(
            key=key, name=name, is_default=is_default, can_change_settings=settings,
        ).returning(Role.__table__.c.id)).scalar_one()
        conn.execute(insert(RolePermission.__table__), [
            {"role_id": role_id, "entity": e, "action": a, "status": None, "level": level}
            for (e, a), level in cells.items()
        ])


def reset_roles(conn: Connection) -> None:
    """Drop every role and assignment and seed the defaults again (tests, a fresh start)."""
    from crm.rights.models import RoleAssignment

    conn.execute(delete(RoleAssignment.__table__))
    conn.execute(delete(RolePermission.__table__))
    conn.execute(delete(Role.__table__))
    seed_default_roles(conn)
