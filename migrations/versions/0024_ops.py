"""heartbeats of workers and beat; correlation ids on domain events

Revision ID: 0024_ops
Revises: 0023_phone

service_heartbeat holds one row per worker or beat process (refreshed every few seconds) for
/readyz, the system page and `flask status`; outbox_event.correlation_id carries the id of the
request that recorded the event into the worker's log lines.
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_ops"
down_revision = "0023_phone"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_heartbeat",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_heartbeat")),
    )
    op.create_index(op.f("ix_service_heartbeat_kind"), "service_heartbeat", ["kind"])
    with op.batch_alter_table("outbox_event") as batch:
        batch.add_column(sa.Column("correlation_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_event") as batch:
        batch.drop_column("correlation_id")
    op.drop_index(op.f("ix_service_heartbeat_kind"), table_name="service_heartbeat")
    op.drop_table("service_heartbeat")
