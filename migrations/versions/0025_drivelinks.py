"""drive: an index in the order folder listings page by

Revision ID: 0025_drivelinks
Revises: 0025_davprops

Folder listings are paged by (folders first, name, id) with a keyset cursor; this index lets a
page of a large folder be read (its folders, then its files, each by name) without sorting
every child of it.
"""
from alembic import op

revision = "0025_drivelinks"
down_revision = "0025_davprops"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_drive_item_listing", "drive_item", ["parent_id", "is_folder", "name", "id"])


def downgrade():
    op.drop_index("ix_drive_item_listing", table_name="drive_item")
