"""Drive items (folders and files), their versions, rights and public links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import NEVER_REUSE_IDS, db
from org.models import utcnow

# Whose drive an item lies in; owner_ref is the user's or workgroup's id (None for the company).
DRIVE_KINDS = ("user", "workgroup", "company")


class DriveItem(db.Model):
    """A folder or a file; every drive has one root folder (parent_id None)."""

    __tablename__ = "drive_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_kind: Mapped[str] = mapped_column(String(16))
    drive_ref: Mapped[int | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("drive_item.id", ondelete="CASCADE"), index=True)
    # "user:7", "workgroup:3" or "company:" on a drive's root, NULL elsewhere: unique, so two
    # first visits at once (a WebDAV client mounting opens several) make one root.
    root_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Materialised path of ids, "/1/5/9/" (the item's own id last): ancestors without recursion.
    path: Mapped[str] = mapped_column(String(1000), default="/", index=True)
    is_folder: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(255))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    mime: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Number of the current version; a write names the one it replaces (a lost race is a 409).
    version_no: Mapped[int] = mapped_column(default=0)
    # The current version's text for search (drive.text): txt, md, ODF, docx; deferred.
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    # The version whose text `text` holds, for PDFs read in the background (drive.tasks.index_text).
    text_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Set on the item put into the trash; what lies below it is in the trash with it.
    trashed_at: Mapped[datetime | None]
    trashed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    # Paged listings read a folder's folders, then its files, by name (drive.services.listing).
    # Search's "no folder above is in the trash" probes only the trashed rows (0025_drivesearch).
    # The search index itself lives outside the model: the FTS5 table search_fts_drive (SQLite)
    # or the generated column search_tsv (PostgreSQL), both kept in step by the database.
    __table_args__ = (Index("ix_drive_item_drive", "drive_kind", "drive_ref"),
                      Index("ix_drive_item_listing", "parent_id", "is_folder", "name", "id"),
                      Index("ix_drive_item_trashed", "trashed_at",
                            sqlite_where=sql_text("trashed_at IS NOT NULL"),
                            postgresql_where=sql_text("trashed_at IS NOT NULL")),
                      NEVER_REUSE_IDS)  # timeline entries name attached files by id

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this item (itself included)."""
        return [int(p) for p in self.path.strip("/").split("/") if p]


class DriveVersion(db.Model):
    """One saved body of a file: every save adds one, none is ever overwritten."""

    __tablename__ = "drive_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("drive_item.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    # Two writers of the same next number: the second insert fails, nothing is overwritten.
    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_drive_version_number"),)


class DriveRight(db.Model):
    """A level granted on an item to a user, a department (maybe with sub-departments),
    a workgroup or everyone; it holds below the item until overridden for the same subject."""

    __tablename__ = "drive_right"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("drive_item.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(16))  # user | department | workgroup | everyone
    subject_id: Mapped[int | None]
    include_subdepartments: Mapped[bool] = mapped_column(default=False)
    level: Mapped[str] = mapped_column(String(8))  # none | read | edit | share | full
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_drive_right_subject", "subject", "subject_id"),)


class DriveLink(db.Model):
    """A public link to an item: a token (stored as a SHA-256), an optional password and expiry."""

    __tablename__ = "drive_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("drive_item.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
