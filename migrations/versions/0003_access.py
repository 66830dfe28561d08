"""access rights: roles, permission matrix, assignments, workgroups; rights-filter indexes

Revision ID: 0003_access
Revises: 0002_engine
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_access"
down_revision = "0002_engine"
branch_labels = None
depends_on = None

RECORD_TABLES = ("lead", "contact", "company", "deal", "crm_task")


def upgrade():
    op.create_table(
        "workgroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"],
                                name=op.f("fk_workgroup_owner_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroup")),
    )
    op.create_table(
        "workgroup_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_moderator", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"],
                                name=op.f("fk_workgroup_member_workgroup_id_workgroup"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_workgroup_member_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroup_member")),
        sa.UniqueConstraint("workgroup_id", "user_id", name="uq_workgroup_member"),
    )
    op.create_index(op.f("ix_workgroup_member_user_id"), "workgroup_member", ["user_id"])
    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("can_change_settings", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role")),
        sa.UniqueConstraint("name", name=op.f("uq_role_name")),
        sa.UniqueConstraint("key", name=op.f("uq_role_key")),
    )
    op.create_table(
        "role_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["role.id"],
                                name=op.f("fk_role_permission_role_id_role"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_permission")),
        sa.UniqueConstraint("role_id", "entity", "action", "status", name="uq_role_permission_cell"),
    )
    op.create_index(op.f("ix_role_permission_role_id"), "role_permission", ["role_id"])
    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("include_subdepartments", sa.Boolean(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN department_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN workgroup_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_role_assignment_one_target")),
        sa.ForeignKeyConstraint(["role_id"], ["role.id"],
                                name=op.f("fk_role_assignment_role_id_role"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_role_assignment_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_role_assignment_department_id_department"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"],
                                name=op.f("fk_role_assignment_workgroup_id_workgroup"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignment")),
    )
    for column in ("role_id", "user_id", "department_id", "workgroup_id"):
        op.create_index(op.f(f"ix_role_assignment_{column}"), "role_assignment", [column])
    for table in RECORD_TABLES:
        op.create_index(f"ix_{table}_responsible_id_id", table, ["responsible_id", "id"])
        op.create_index(f"ix_{table}_dept_path_id", table, ["dept_path", "id"],
                        postgresql_ops={"dept_path": "varchar_pattern_ops"})
    _seed_roles()


def _seed_roles():
    """The four default roles (data shared with crm.rights.defaults, tables as of this revision)."""
    from crm.rights.defaults import DEFAULT_ROLES

    role = sa.table("role", sa.column("id", sa.Integer), sa.column("key", sa.String),
                    sa.column("name", sa.String), sa.column("is_default", sa.Boolean),
                    sa.column("can_change_settings", sa.Boolean))
    perm = sa.table("role_permission", sa.column("role_id", sa.Integer), sa.column("entity", sa.String),
                    sa.column("action", sa.String), sa.column("status", sa.String),
                    sa.column("level", sa.String))
    conn = op.get_bind()
    for key, name, is_default, settings, cells in DEFAULT_ROLES:
        conn.execute(role.insert().values(key=key, name=name, is_default=is_default,
                                          can_change_settings=settings))
        role_id = conn.execute(sa.select(role.c.id).where(role.c.key == key)).scalar_one()
        conn.execute(perm.insert(), [
            {"role_id": role_id, "entity": e, "action": a, "status": None, "level": level}
            for (e, a), level in cells.items()])


def downgrade():
    for table in RECORD_TABLES:
        op.drop_index(f"ix_{table}_dept_path_id", table_name=table)
        op.drop_index(f"ix_{table}_responsible_id_id", table_name=table)
    op.drop_table("role_assignment")
    op.drop_table("role_permission")
    op.drop_table("role")
    op.drop_table("workgroup_member")
    op.drop_table("workgroup")
