"""external tasks for Camunda external task workers (/engine-rest)

Revision ID: 0016_extask
Revises: 0015_drafts

external_task holds one row per service task waiting for an external worker: its topic, the
worker holding its lock and until when, retries and the last failure, and the variables a
fetch hands out.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_extask"
down_revision = "0015_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_uuid", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("worker_id", sa.String(length=255), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id", "task_uuid", name="uq_external_task_instance_task"),
    )
    op.create_index("ix_external_task_topic", "external_task", ["topic", "lock_expires_at"])


def downgrade():
    op.drop_index("ix_external_task_topic", table_name="external_task")
    op.drop_table("external_task")
