"""engine events: business keys, signal waits, timer start schedules

Revision ID: 0008_events
Revises: 0007_calls

process_instance gets `business_key` (Camunda's, indexed for message correlation);
message_wait gets `kind` ("message" for existing rows, or "signal"); timer_start_schedule
holds the next due time of each timer start event of the active versions.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_events"
down_revision = "0007_calls"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("business_key", sa.String(length=255), nullable=True))
        batch.create_index("ix_process_instance_business_key", ["business_key"], unique=False)
    with op.batch_alter_table("message_wait") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                   server_default="message"))
    op.create_table(
        "timer_start_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("expression", sa.String(length=255), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["process_version.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "element_id", name="uq_timer_start_version_element"),
    )
    op.create_index("ix_timer_start_due", "timer_start_schedule", ["next_due_at"], unique=False)


def downgrade():
    op.drop_index("ix_timer_start_due", table_name="timer_start_schedule")
    op.drop_table("timer_start_schedule")
    with op.batch_alter_table("message_wait") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_index("ix_process_instance_business_key")
        batch.drop_column("business_key")
