"""Camunda Forms (form-js): versioned forms, and the form a user task shows

Revision ID: 0025_forms
Revises: 0025_drivesearch

camunda_form holds each version of a form-js form (key = its JSON id) with the deployment it
came from; human_task.camunda_form_id is the version a task shows and checks on completion.
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_forms"
down_revision = "0025_drivesearch"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "camunda_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("resource_name", sa.String(length=255), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_camunda_form_created_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["deployment_id"], ["process_version.id"],
                                name=op.f("fk_camunda_form_deployment_id_process_version"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camunda_form")),
        sa.UniqueConstraint("key", "version", name="uq_camunda_form_key_version"),
    )
    op.create_index(op.f("ix_camunda_form_key"), "camunda_form", ["key"])
    op.create_index(op.f("ix_camunda_form_resource_name"), "camunda_form", ["resource_name"])
    op.create_index(op.f("ix_camunda_form_deployment_id"), "camunda_form", ["deployment_id"])
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("camunda_form_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("form_input", sa.JSON(), nullable=True))
        batch.create_foreign_key(op.f("fk_human_task_camunda_form_id_camunda_form"), "camunda_form",
                                 ["camunda_form_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.drop_constraint(op.f("fk_human_task_camunda_form_id_camunda_form"), type_="foreignkey")
        batch.drop_column("form_input")
        batch.drop_column("camunda_form_id")
    op.drop_index(op.f("ix_camunda_form_deployment_id"), table_name="camunda_form")
    op.drop_index(op.f("ix_camunda_form_resource_name"), table_name="camunda_form")
    op.drop_index(op.f("ix_camunda_form_key"), table_name="camunda_form")
    op.drop_table("camunda_form")
