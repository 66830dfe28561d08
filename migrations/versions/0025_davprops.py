"""drive: WebDAV dead properties in the database; which version's text a PDF's index holds

Revision ID: 0025_davprops
Revises: 0025_calendar

drive_dav_prop keeps PROPPATCH-set properties per item (they follow it on MOVE, go when it is
purged). drive_item.text_version names the version whose text `text` holds: PDFs are read in
the background (drive.tasks.index_text) and the sweep finds those not read yet.
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_davprops"
down_revision = "0025_calendar"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "drive_dav_prop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["drive_item.id"], name=op.f("fk_drive_dav_prop_item_id_drive_item"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drive_dav_prop")),
        sa.UniqueConstraint("item_id", "name", name="uq_drive_dav_prop_name"),
    )
    op.create_index(op.f("ix_drive_dav_prop_item_id"), "drive_dav_prop", ["item_id"])
    with op.batch_alter_table("drive_item") as batch:
        batch.add_column(sa.Column("text_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("drive_item") as batch:
        batch.drop_column("text_version")
    op.drop_index(op.f("ix_drive_dav_prop_item_id"), table_name="drive_dav_prop")
    op.drop_table("drive_dav_prop")
