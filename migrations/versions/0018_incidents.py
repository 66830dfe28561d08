"""incidents and instance migrations

Revision ID: 0018_incidents
Revises: 0017_dmn

incident: one row per failed step (instance, element, kind, message, details, retries left,
open/resolved, by whom and when); instance_migration: a batch moving instances from one
process version to another with an element mapping, its progress and per-instance errors.
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_incidents"
down_revision = "0017_dmn"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=True),
        sa.Column("element_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("retries_left", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_status_definition", "incident", ["status", "definition_id", "element_id"])
    op.create_index("ix_incident_instance", "incident", ["instance_id"])
    op.create_table(
        "instance_migration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("from_version_id", sa.Integer(), nullable=False),
        sa.Column("to_version_id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("instance_ids", sa.JSON(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("migrated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definition.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_version_id"], ["process_version.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_version_id"], ["process_version.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("instance_migration")
    op.drop_index("ix_incident_instance", table_name="incident")
    op.drop_index("ix_incident_status_definition", table_name="incident")
    op.drop_table("incident")
