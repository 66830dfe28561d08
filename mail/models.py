"""Mail tables: settings, templates, send jobs, mailboxes and their cursors, received mail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from org.models import utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY, so BIGINT ids become INTEGER there.
BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class MailSetting(db.Model):
    """A named settings document ("smtp"); secrets inside are encrypted (mail/crypto.py)."""

    __tablename__ = "mail_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MailTemplate(db.Model):
    """A mail template: subject and body with placeholders rendered in the sandbox (mail/render.py)."""

    __tablename__ = "mail_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Job(db.Model):
    """A background job (a bulk send): counters the page and GET /jobs/<id> show as progress.

    `done` counts items that succeeded (sent), `failed` and `skipped` the others; the job is
    finished when done + failed + skipped == total."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|waiting|done
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The runner's lease (one runner per job) and, when throttled, when to run again.
    lease_until: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_job_status", "status", "id"),)


class JobItem(db.Model):
    """One recipient of a send job: pending -> sending -> sent | skipped | failed."""

    __tablename__ = "job_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    email: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(1000), default="")
    # Chosen before the first attempt and kept on retries: a receiver can drop a duplicate.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    subject: Mapped[str] = mapped_column(String(1000), default="")
    entry_id: Mapped[int | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("job_id", "entity", "record_id", name="uq_job_item_record"),
        Index("ix_job_item_job_status", "job_id", "status", "id"),
    )


class Mailbox(db.Model):
    """An IMAP mailbox: the CRM mailbox (key "crm") or a user's own (key "user:<id>")."""

    __tablename__ = "mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # crm | personal
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(default=993)
    tls: Mapped[str] = mapped_column(String(16), default="ssl")  # none | starttls | ssl
    username: Mapped[str] = mapped_column(String(320), default="")
    password_enc: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    address: Mapped[str] = mapped_column(String(320), default="")
    unmatched: Mapped[str] = mapped_column(String(16), default="keep")  # keep | create_lead
    subject_patterns: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16), default="new")  # new | ok | error
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    backfill_total: Mapped[int] = mapped_column(default=0)
    backfill_done: Mapped[int] = mapped_column(default=0)
    unread_count: Mapped[int | None]
    unread_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MailCursor(db.Model):
    """How far a folder was read: the highest UID processed under its UIDVALIDITY."""

    __tablename__ = "mail_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BIGINT, default=0)
    last_uid: Mapped[int] = mapped_column(BIGINT, default=0)

    __table_args__ = (UniqueConstraint("mailbox_id", "folder", name="uq_mail_cursor_folder"),)


class MailMessage(db.Model):
    """A received message: logged on records, unassigned, or failed (with the reason)."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="crm")  # crm | personal
    folder: Mapped[str] = mapped_column(String(255), default="")
    uidvalidity: Mapped[int | None] = mapped_column(BIGINT)
    uid: Mapped[int | None] = mapped_column(BIGINT)
    status: Mapped[str] = mapped_column(String(16))  # logged | unassigned | failed
    reason: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(500), default="", index=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # sha256(Message-ID + content hash): the same message seen again is the same row.
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(255), default="")
    to_addrs: Mapped[list] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(1000), default="")
    sent_at: Mapped[datetime | None]
    size: Mapped[int] = mapped_column(default=0)
    body_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    body_html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    # Kept only for failed mail that was fetched (a retry parses it again).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    attempts: Mapped[int] = mapped_column(default=1)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_mail_message_status", "status", "id"),)


class MailSeen(db.Model):
    """Every (mailbox, folder, UIDVALIDITY, UID) processed, with the message it turned out to be."""

    __tablename__ = "mail_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BIGINT)
    uid: Mapped[int] = mapped_column(BIGINT)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid", name="uq_mail_seen_uid"),)


class MailLink(db.Model):
    """A message logged on a record (its timeline entry); once per (message, record)."""

    __tablename__ = "mail_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    entry_id: Mapped[int | None]
    rule: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("mail_id", "entity", "record_id", name="uq_mail_link_record"),
        Index("ix_mail_link_record", "entity", "record_id"),
    )


class MailAttachment(db.Model):
    """A received attachment; the bytes live in MAIL_ATTACHMENT_DIR under their SHA-256."""

    __tablename__ = "mail_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(default=0)
