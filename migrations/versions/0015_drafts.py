"""process drafts and archived processes

Revision ID: 0015_drafts
Revises: 0014_accounts

process_draft keeps one diagram per process key saved from the designer that starts nothing
until it is published; process_definition.archived_at marks a process archived (no triggers,
no manual start, running instances go on).
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_drafts"
down_revision = "0014_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "process_draft",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("bpmn", sa.LargeBinary(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("process_definition") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_definition") as batch:
        batch.drop_column("archived_at")
    op.drop_table("process_draft")
