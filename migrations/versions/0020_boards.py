"""deal pipelines

Revision ID: 0020_boards
Revises: 0019_webhooks

crm_pipeline holds the deal pipelines ("Sales", "Partners"), each with its own ordered stages
(crm_status.pipeline_id) and optionally its own stage process (process_key); every deal belongs
to one (deal.pipeline_id). The existing stages and
deals move into the default pipeline "Sales".
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_boards"
down_revision = "0019_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "crm_pipeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("crm_status") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_crm_status_pipeline_id"), ["pipeline_id"], unique=False)
        batch.create_foreign_key("fk_crm_status_pipeline_id", "crm_pipeline", ["pipeline_id"], ["id"])
    with op.batch_alter_table("deal") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.Integer(), nullable=True))
        batch.create_index("ix_deal_board", ["pipeline_id", "stage", "id"], unique=False)
        batch.create_index("ix_deal_board_totals", ["pipeline_id", "stage", "currency", "amount",
                                                    "responsible_id", "dept_path"], unique=False)
        batch.create_foreign_key("fk_deal_pipeline_id", "crm_pipeline", ["pipeline_id"], ["id"])
    _move_existing()


def _move_existing():
    """The default pipeline takes today's deal stages and every deal."""
    conn = op.get_bind()
    pipeline = sa.table("crm_pipeline", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("sort", sa.Integer), sa.column("is_default", sa.Boolean))
    conn.execute(pipeline.insert().values(name="Sales", sort=0, is_default=True))
    default_id = conn.execute(sa.select(pipeline.c.id).where(pipeline.c.is_default.is_(True))).scalar_one()
    status = sa.table("crm_status", sa.column("entity", sa.String), sa.column("pipeline_id", sa.Integer))
    conn.execute(status.update().where(status.c.entity == "deal").values(pipeline_id=default_id))
    deal = sa.table("deal", sa.column("pipeline_id", sa.Integer))
    conn.execute(deal.update().values(pipeline_id=default_id))


def downgrade():
    with op.batch_alter_table("deal") as batch:
        batch.drop_constraint("fk_deal_pipeline_id", type_="foreignkey")
        batch.drop_index("ix_deal_board_totals")
        batch.drop_index("ix_deal_board")
        batch.drop_column("pipeline_id")
    with op.batch_alter_table("crm_status") as batch:
        batch.drop_constraint("fk_crm_status_pipeline_id", type_="foreignkey")
        batch.drop_index(batch.f("ix_crm_status_pipeline_id"))
        batch.drop_column("pipeline_id")
    op.drop_table("crm_pipeline")
