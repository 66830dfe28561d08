"""Roles, their permission matrix and who holds them; indexes that keep rights filters fast."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.entities import REGISTRY, STATUS_FIELDS
from extensions import db
from org.workgroups import Workgroup  # noqa: F401  (assignments point at workgroups)

ENTITIES = tuple(REGISTRY)
ACTIONS = ("read", "add", "edit", "delete", "export", "import")
# Ordered: each level's records include the previous level's.
LEVELS = ("none", "own", "department", "department_tree", "all")
# STATUS_FIELDS (from the registry): entities whose rights may differ per status, and that column.
__all__ = ["ACTIONS", "ENTITIES", "LEVELS", "STATUS_FIELDS", "Role", "RoleAssignment", "RolePermission"]


class Role(db.Model):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # "manager", "head_of_department", "chief_executive", "administrator" for the seeded roles.
    key: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Users who hold no role at all (directly, via departments or workgroups) get the default roles.
    is_default: Mapped[bool] = mapped_column(default=False)
    can_change_settings: Mapped[bool] = mapped_column(default=False)

    permissions: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan", order_by="RolePermission.id")
    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="role", cascade="all, delete-orphan", order_by="RoleAssignment.id")


class RolePermission(db.Model):
    """One cell: the level for (entity, action), for one status or (status NULL) any other."""

    __tablename__ = "role_permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))

    role: Mapped[Role] = relationship(back_populates="permissions")

    __table_args__ = (
        UniqueConstraint("role_id", "entity", "action", "status", name="uq_role_permission_cell"),
    )


class RoleAssignment(db.Model):
    """A role held by one user, a department's members (optionally its sub-departments') or a workgroup."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True)
    include_subdepartments: Mapped[bool] = mapped_column(default=False)
    workgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("workgroup.id", ondelete="CASCADE"), index=True)

    role: Mapped[Role] = relationship(back_populates="assignments")

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN department_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN workgroup_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target"),
    )


def _access_indexes() -> None:
    """(responsible_id, id) and (dept_path, id) per record table: a rights-filtered page by id
    is one index range. PostgreSQL gets varchar_pattern_ops so `LIKE '/1/4/%'` uses it too."""
    for model in [e.model for e in REGISTRY.values()]:
        table = model.__table__
        if any(ix.name == f"ix_{table.name}_dept_path_id" for ix in table.indexes):
            continue
        Index(f"ix_{table.name}_responsible_id_id", table.c.responsible_id, table.c.id)
        Index(f"ix_{table.name}_dept_path_id", table.c.dept_path, table.c.id,
              postgresql_ops={"dept_path": "varchar_pattern_ops"})


_access_indexes()
