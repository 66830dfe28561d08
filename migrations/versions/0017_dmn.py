"""DMN decision definitions

Revision ID: 0017_dmn
Revises: 0016_extask

decision_definition keeps every version of every deployed DMN decision (key = the decision
id, version numbers per key as for processes) with the DMN file it came from.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_dmn"
down_revision = "0016_extask"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "decision_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("hit_policy", sa.String(length=32), nullable=False),
        sa.Column("version_tag", sa.String(length=255), nullable=True),
        sa.Column("dmn", sa.LargeBinary(), nullable=False),
        sa.Column("dmn_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "version", name="uq_decision_key_version"),
    )
    op.create_index("ix_decision_definition_key", "decision_definition", ["key"])


def downgrade():
    op.drop_index("ix_decision_definition_key", table_name="decision_definition")
    op.drop_table("decision_definition")
