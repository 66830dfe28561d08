"""calendars: calendars, events, attendees, external CalDAV calendars and their sync log

Revision ID: 0012_calendars
Revises: 0011_audit

One calendar per person, workgroup and external calendar (calendar.key is unique so that
creating one on demand cannot race into two); events keep their iCalendar text beside the
columns that queries use; external calendars keep the password encrypted (as mail does).
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_calendars"
down_revision = "0011_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("calendar",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("color", sa.String(length=16), nullable=False),
    sa.Column("owner_id", sa.Integer(), nullable=True),
    sa.Column("workgroup_id", sa.Integer(), nullable=True),
    sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"],
                            name=op.f("fk_calendar_owner_id_user_account"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"],
                            name=op.f("fk_calendar_workgroup_id_workgroup"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar")),
    sa.UniqueConstraint("feed_token_hash", name=op.f("uq_calendar_feed_token_hash")),
    sa.UniqueConstraint("key", name=op.f("uq_calendar_key"))
    )
    with op.batch_alter_table("calendar", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_workgroup_id"), ["workgroup_id"], unique=False)

    op.create_table("calendar_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("calendar_id", sa.Integer(), nullable=False),
    sa.Column("uid", sa.String(length=255), nullable=False),
    sa.Column("title", sa.String(length=500), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("location", sa.String(length=500), nullable=False),
    sa.Column("start_at", sa.DateTime(), nullable=False),
    sa.Column("end_at", sa.DateTime(), nullable=False),
    sa.Column("all_day", sa.Boolean(), nullable=False),
    sa.Column("timezone", sa.String(length=64), nullable=False),
    sa.Column("private", sa.Boolean(), nullable=False),
    sa.Column("rrule", sa.Text(), nullable=True),
    sa.Column("until_at", sa.DateTime(), nullable=True),
    sa.Column("reminders", sa.JSON(), nullable=False),
    sa.Column("exdates", sa.JSON(), nullable=False),
    sa.Column("crm_entity", sa.String(length=16), nullable=True),
    sa.Column("crm_record_id", sa.Integer(), nullable=True),
    sa.Column("organizer_id", sa.Integer(), nullable=True),
    sa.Column("ical", sa.Text(), nullable=False),
    sa.Column("etag", sa.String(length=64), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("dav_href", sa.String(length=255), nullable=True),
    sa.Column("remote_href", sa.String(length=1000), nullable=True),
    sa.Column("remote_etag", sa.String(length=255), nullable=True),
    sa.Column("dirty", sa.Boolean(), nullable=False),
    sa.Column("deleted_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["calendar_id"], ["calendar.id"],
                            name=op.f("fk_calendar_event_calendar_id_calendar"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organizer_id"], ["user_account.id"],
                            name=op.f("fk_calendar_event_organizer_id_user_account"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_event")),
    sa.UniqueConstraint("calendar_id", "dav_href", name=op.f("uq_calendar_event_dav_href")),
    sa.UniqueConstraint("calendar_id", "uid", name="uq_calendar_event_uid")
    )
    with op.batch_alter_table("calendar_event", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_event_crm", ["crm_entity", "crm_record_id"], unique=False)
        batch_op.create_index("ix_calendar_event_range", ["calendar_id", "start_at"], unique=False)

    op.create_table("external_calendar",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("owner_id", sa.Integer(), nullable=False),
    sa.Column("calendar_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("url", sa.String(length=1000), nullable=False),
    sa.Column("username", sa.String(length=320), nullable=False),
    sa.Column("password_enc", sa.Text(), nullable=False),
    sa.Column("resolved_url", sa.String(length=1000), nullable=True),
    sa.Column("ctag", sa.String(length=255), nullable=True),
    sa.Column("sync_token", sa.String(length=1000), nullable=True),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("last_sync_at", sa.DateTime(), nullable=True),
    sa.Column("last_success_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["calendar_id"], ["calendar.id"],
                            name=op.f("fk_external_calendar_calendar_id_calendar"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"],
                            name=op.f("fk_external_calendar_owner_id_user_account"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_external_calendar")),
    sa.UniqueConstraint("calendar_id", name=op.f("uq_external_calendar_calendar_id"))
    )
    with op.batch_alter_table("external_calendar", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_calendar_owner_id"), ["owner_id"], unique=False)

    op.create_table("calendar_attendee",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("event_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(["event_id"], ["calendar_event.id"],
                            name=op.f("fk_calendar_attendee_event_id_calendar_event"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                            name=op.f("fk_calendar_attendee_user_id_user_account"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_attendee")),
    sa.UniqueConstraint("event_id", "user_id", name="uq_calendar_attendee")
    )
    with op.batch_alter_table("calendar_attendee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_attendee_user_id"), ["user_id"], unique=False)

    op.create_table("calendar_sync_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("external_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["external_id"], ["external_calendar.id"],
                            name=op.f("fk_calendar_sync_log_external_id_external_calendar"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_sync_log"))
    )
    with op.batch_alter_table("calendar_sync_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_sync_log_external_id"), ["external_id"], unique=False)



def downgrade():
    with op.batch_alter_table("calendar_sync_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_sync_log_external_id"))

    op.drop_table("calendar_sync_log")
    with op.batch_alter_table("calendar_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_attendee_user_id"))

    op.drop_table("calendar_attendee")
    with op.batch_alter_table("external_calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_calendar_owner_id"))

    op.drop_table("external_calendar")
    with op.batch_alter_table("calendar_event", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_event_range")
        batch_op.drop_index("ix_calendar_event_crm")

    op.drop_table("calendar_event")
    with op.batch_alter_table("calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_workgroup_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_owner_id"))

    op.drop_table("calendar")
