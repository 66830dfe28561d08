"""drive: folders and files, versions, rights, public links

Revision ID: 0013_drive
Revises: 0012_calendars

drive_item holds folders and files of every drive (a user's, a workgroup's, the company's)
with a materialised path of ids; drive_version one row per saved body (bodies live on disk
by content hash); drive_right the levels granted per item; drive_link the public links.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_drive"
down_revision = "0012_calendars"
branch_labels = None
depends_on = None

USER_FK = "user_account.id"


def _user_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [USER_FK], ondelete="SET NULL")


def upgrade():
    op.create_table(
        "drive_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_kind", sa.String(length=16), nullable=False),
        sa.Column("drive_ref", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("root_key", sa.String(length=40), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("is_folder", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("mime", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("trashed_at", sa.DateTime(), nullable=True),
        sa.Column("trashed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["drive_item.id"], ondelete="CASCADE"),
        _user_fk("owner_id"), _user_fk("updated_by_id"), _user_fk("trashed_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("root_key"),
    )
    op.create_index("ix_drive_item_drive", "drive_item", ["drive_kind", "drive_ref"])
    op.create_index("ix_drive_item_parent_id", "drive_item", ["parent_id"])
    op.create_index("ix_drive_item_path", "drive_item", ["path"])
    op.create_index("ix_drive_item_owner_id", "drive_item", ["owner_id"])
    op.create_table(
        "drive_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["drive_item.id"], ondelete="CASCADE"),
        _user_fk("created_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "number", name="uq_drive_version_number"),
    )
    op.create_index("ix_drive_version_content_hash", "drive_version", ["content_hash"])
    op.create_table(
        "drive_right",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("include_subdepartments", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["drive_item.id"], ondelete="CASCADE"),
        _user_fk("granted_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drive_right_item_id", "drive_right", ["item_id"])
    op.create_index("ix_drive_right_subject", "drive_right", ["subject", "subject_id"])
    op.create_table(
        "drive_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["drive_item.id"], ondelete="CASCADE"),
        _user_fk("created_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_drive_link_item_id", "drive_link", ["item_id"])


def downgrade():
    op.drop_table("drive_link")
    op.drop_table("drive_right")
    op.drop_table("drive_version")
    op.drop_table("drive_item")
