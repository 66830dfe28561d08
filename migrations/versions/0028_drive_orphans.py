"""Drive rights granted to workgroups or departments that no longer exist are removed.

Until now deleting a workgroup or a department left the drive rights that named it (by
subject_id, no foreign key) behind: they reached nobody, and an item holding one could not
have its rights changed by a share-level user (the list is sent back whole and a dangling
subject is refused). Deletions now remove them (drive.group_rights); this removes those left
by earlier deletions. The downgrade restores nothing: the rows granted nothing.

Revision ID: 0028_drive_orphans
Revises: 0027_ids
"""
from alembic import op

revision = "0028_drive_orphans"
down_revision = "0027_ids"
branch_labels = None
depends_on = None

GROUPS = {"workgroup": "workgroup", "department": "department"}  # subject -> table


def upgrade() -> None:
    for subject, table in GROUPS.items():
        op.execute(f"DELETE FROM drive_right WHERE subject = '{subject}' AND NOT EXISTS "
                   f"(SELECT 1 FROM {table} WHERE {table}.id = drive_right.subject_id)")


def downgrade() -> None:
    pass
