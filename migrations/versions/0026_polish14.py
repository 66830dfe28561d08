"""Calendar reminders at scale: an indexed has_reminders flag, and an index for the clean-up

Revision ID: 0026_polish14
Revises: 0025_forms

calendar_event.has_reminders (with start_at) lets the reminder scan read only events that have
reminders; calendar_reminder_sent.occurrence_start is indexed for deleting old sent-records.
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_polish14"
down_revision = "0025_forms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calendar_event") as batch:
        batch.add_column(sa.Column("has_reminders", sa.Boolean(), nullable=False, server_default=sa.false()))
    # JSON compares differently on each database: decide in Python which events have reminders.
    bind = op.get_bind()
    event = sa.table("calendar_event", sa.column("id", sa.Integer()), sa.column("reminders", sa.JSON()),
                     sa.column("has_reminders", sa.Boolean()))
    ids = [row.id for row in bind.execute(sa.select(event.c.id, event.c.reminders)) if row.reminders]
    for start in range(0, len(ids), 500):
        bind.execute(event.update().where(event.c.id.in_(ids[start:start + 500])).values(has_reminders=True))
    op.create_index("ix_calendar_event_reminders", "calendar_event", ["has_reminders", "start_at"])
    op.create_index("ix_calendar_reminder_sent_start", "calendar_reminder_sent", ["occurrence_start"])


def downgrade():
    op.drop_index("ix_calendar_reminder_sent_start", table_name="calendar_reminder_sent")
    op.drop_index("ix_calendar_event_reminders", table_name="calendar_event")
    with op.batch_alter_table("calendar_event") as batch:
        batch.drop_column("has_reminders")
