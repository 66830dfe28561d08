"""company portal: invitations, pending and dismissed users, workgroup settings and invitations

Revision ID: 0006_portal
Revises: 0005_mail
Depends on: 0003_access (which created workgroup and workgroup_member)

user_account gets `pending` (invited, not joined yet; false for existing rows) and
`dismissed_at`. invitation rows hold only a SHA-256 of each link's token. workgroup gets a
description and who may invite (owner, owner_and_moderators, all_members).
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_portal"
down_revision = "0005_mail"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("pending", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))
    op.add_column("user_account", sa.Column("dismissed_at", sa.DateTime(), nullable=True))
    op.add_column("workgroup", sa.Column("description", sa.Text(), nullable=False, server_default=""))
    op.add_column("workgroup", sa.Column("invite_policy", sa.String(length=32), nullable=False,
                                         server_default="owner_and_moderators"))
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("send_error", sa.String(length=500), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_invitation_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"],
                                name=op.f("fk_invitation_invited_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    op.create_index(op.f("ix_invitation_user_id"), "invitation", ["user_id"])
    op.create_index(op.f("ix_invitation_invited_by_id"), "invitation", ["invited_by_id"])
    op.create_table(
        "workgroup_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"],
                                name=op.f("fk_workgroup_invitation_workgroup_id_workgroup"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_workgroup_invitation_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"],
                                name=op.f("fk_workgroup_invitation_invited_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroup_invitation")),
    )
    op.create_index(op.f("ix_workgroup_invitation_workgroup_id"), "workgroup_invitation", ["workgroup_id"])
    op.create_index(op.f("ix_workgroup_invitation_user_id"), "workgroup_invitation", ["user_id"])


def downgrade():
    op.drop_table("workgroup_invitation")
    op.drop_table("invitation")
    with op.batch_alter_table("workgroup") as batch_op:
        batch_op.drop_column("invite_policy")
        batch_op.drop_column("description")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("dismissed_at")
        batch_op.drop_column("pending")
