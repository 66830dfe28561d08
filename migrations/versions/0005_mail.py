"""mail: settings, templates, send jobs, mailboxes, cursors, received mail; do_not_email on records

Revision ID: 0005_mail
Revises: 0004_search

Received mail is deduplicated twice: mail_seen is unique per (mailbox, folder, UIDVALIDITY,
UID), mail_message per dedup_key = sha256(Message-ID + content hash). lead, contact and company
get a do_not_email flag (false for existing rows) that bulk mail honours.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_mail"
down_revision = "0004_search"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FLAGGED = ("lead", "contact", "company")


def _user_fk(table, column):
    return sa.ForeignKeyConstraint([column], ["user_account.id"],
                                   name=op.f(f"fk_{table}_{column}_user_account"))


def upgrade():
    for table in FLAGGED:
        op.add_column(table, sa.Column("do_not_email", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.create_table(
        "mail_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _user_fk("mail_setting", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_setting")),
        sa.UniqueConstraint("name", name=op.f("uq_mail_setting_name")),
    )
    op.create_table(
        "mail_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _user_fk("mail_template", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_template")),
        sa.UniqueConstraint("name", name=op.f("uq_mail_template_name")),
    )
    _jobs()
    _mailboxes()
    _messages()


def _jobs():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        _user_fk("job", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_status", "job", ["status", "id"])
    op.create_table(
        "job_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_item_job_id_job"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_item")),
        sa.UniqueConstraint("job_id", "entity", "record_id", name="uq_job_item_record"),
        sa.UniqueConstraint("message_id", name=op.f("uq_job_item_message_id")),
    )
    op.create_index("ix_job_item_job_status", "job_item", ["job_id", "status", "id"])
    op.create_index(op.f("ix_job_item_sent_at"), "job_item", ["sent_at"])


def _mailboxes():
    op.create_table(
        "mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("tls", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("unmatched", sa.String(length=16), nullable=False),
        sa.Column("subject_patterns", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_poll_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("backfill_total", sa.Integer(), nullable=False),
        sa.Column("backfill_done", sa.Integer(), nullable=False),
        sa.Column("unread_count", sa.Integer(), nullable=True),
        sa.Column("unread_checked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_mailbox_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox")),
        sa.UniqueConstraint("key", name=op.f("uq_mailbox_key")),
    )
    op.create_table(
        "mail_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", BIGINT, nullable=False),
        sa.Column("last_uid", BIGINT, nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailbox.id"],
                                name=op.f("fk_mail_cursor_mailbox_id_mailbox"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_cursor")),
        sa.UniqueConstraint("mailbox_id", "folder", name="uq_mail_cursor_folder"),
    )


def _messages():
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", BIGINT, nullable=True),
        sa.Column("uid", BIGINT, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=True),
        sa.Column("from_addr", sa.String(length=320), nullable=False),
        sa.Column("from_name", sa.String(length=255), nullable=False),
        sa.Column("to_addrs", sa.JSON(), nullable=False),
        sa.Column("cc_addrs", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailbox.id"],
                                name=op.f("fk_mail_message_mailbox_id_mailbox"), ondelete="SET NULL"),
        _user_fk("mail_message", "logged_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_mail_message_dedup_key")),
    )
    op.create_index("ix_mail_message_status", "mail_message", ["status", "id"])
    op.create_index(op.f("ix_mail_message_message_id"), "mail_message", ["message_id"])
    op.create_table(
        "mail_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", BIGINT, nullable=False),
        sa.Column("uid", BIGINT, nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailbox.id"],
                                name=op.f("fk_mail_seen_mailbox_id_mailbox"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mail_id"], ["mail_message.id"],
                                name=op.f("fk_mail_seen_mail_id_mail_message"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_seen")),
        sa.UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid", name="uq_mail_seen_uid"),
    )
    op.create_table(
        "mail_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mail_id"], ["mail_message.id"],
                                name=op.f("fk_mail_link_mail_id_mail_message"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_link")),
        sa.UniqueConstraint("mail_id", "entity", "record_id", name="uq_mail_link_record"),
    )
    op.create_index("ix_mail_link_record", "mail_link", ["entity", "record_id"])
    op.create_table(
        "mail_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mail_id"], ["mail_message.id"],
                                name=op.f("fk_mail_attachment_mail_id_mail_message"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachment")),
    )
    op.create_index(op.f("ix_mail_attachment_mail_id"), "mail_attachment", ["mail_id"])


def downgrade():
    for table in ("mail_attachment", "mail_link", "mail_seen", "mail_message", "mail_cursor",
                  "mailbox", "job_item", "job", "mail_template", "mail_setting"):
        op.drop_table(table)
    for table in FLAGGED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("do_not_email")
