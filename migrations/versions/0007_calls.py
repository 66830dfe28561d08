"""call activities as child instances; camunda:versionTag on process versions

Revision ID: 0007_calls
Revises: 0006_portal

process_instance gets parent_instance_id (the calling instance, SET NULL when it goes),
parent_task_uuid and parent_element_id (the call activity); process_version gets
version_tag (the process's camunda:versionTag, for calledElementBinding="versionTag").
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_calls"
down_revision = "0006_portal"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_instance") as batch_op:
        batch_op.add_column(sa.Column("parent_instance_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_task_uuid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("parent_element_id", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            "fk_process_instance_parent_instance_id_process_instance", "process_instance",
            ["parent_instance_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_process_instance_parent_instance_id", ["parent_instance_id"], unique=False)
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.add_column(sa.Column("version_tag", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.drop_column("version_tag")
    with op.batch_alter_table("process_instance") as batch_op:
        batch_op.drop_index("ix_process_instance_parent_instance_id")
        batch_op.drop_constraint("fk_process_instance_parent_instance_id_process_instance",
                                 type_="foreignkey")
        batch_op.drop_column("parent_element_id")
        batch_op.drop_column("parent_task_uuid")
        batch_op.drop_column("parent_instance_id")
