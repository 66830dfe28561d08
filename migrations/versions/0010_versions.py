"""versions: optimistic locking of CRM records and tasks

Revision ID: 0010_versions
Revises: 0009_security

Every lead, contact, company, deal and CRM task gets a `version` counter (SQLAlchemy's
version_id_col): each change bumps it, the API sends it as the ETag and honours If-Match,
and the record forms carry it so a stale save is refused. Existing rows start at 1.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_versions"
down_revision = "0009_security"
branch_labels = None
depends_on = None

TABLES = ("lead", "contact", "company", "deal", "crm_task")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), server_default=sa.text("1"),
                                       nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
