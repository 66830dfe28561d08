"""people's time zones

Revision ID: 0023_phone
Revises: 0022_dedupe

user_account.time_zone: the IANA zone pages show dates and deadlines in; NULL until the person
chooses one or the browser posts its own on the first page (then UTC meanwhile).
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_phone"
down_revision = "0022_dedupe"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("time_zone")
