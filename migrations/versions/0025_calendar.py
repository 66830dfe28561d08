"""calendar reminders sent

Revision ID: 0025_calendar
Revises: 0024_ops

calendar_reminder_sent: one row per event, occurrence start and reminder once its mails are
queued; the unique key makes a repeated or concurrent beat run send nothing twice.
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_calendar"
down_revision = "0024_ops"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_reminder_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("calendar_event.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("occurrence_start", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("event_id", "occurrence_start", "minutes", name="uq_calendar_reminder_sent"),
    )


def downgrade():
    op.drop_table("calendar_reminder_sent")
