"""reports: stage history, saved reports and their shares, dashboard layouts

Revision ID: 0021_reports
Revises: 0020_boards

stage_history keeps every lead status and deal stage a record entered (the funnel's time in
each stage); it is backfilled from the timeline: the "changed" entries that name a status or
stage, and the record's creation for the stage it started in.
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_reports"
down_revision = "0020_boards"
branch_labels = None
depends_on = None

STATUS = {"lead": "status", "deal": "stage"}


def upgrade():
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stage_history_record", "stage_history",
                    ["entity", "record_id", "to_status", "changed_at", "left_at"])
    _reports_tables()
    for entity, field in STATUS.items():
        _backfill(entity, field)


def _reports_tables():
    op.create_table(
        "saved_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("weekly", sa.Boolean(), nullable=False),
        sa.Column("last_mailed", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_report_owner_id", "saved_report", ["owner_id"])
    op.create_table(
        "report_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("workgroup_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["saved_report.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_share_report_id", "report_share", ["report_id"])
    _layout_table()


def _layout_table():
    op.create_table(
        "dashboard_layout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("workgroup_id", sa.Integer(), nullable=True),
        sa.Column("widgets", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workgroup_id"], ["workgroup.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "department_id", "workgroup_id", name="uq_dashboard_layout"),
    )


def _backfill(entity, field):
    """Each record: the stage it was created in (the first change's old value, else its
    current one) at its creation, then every timeline change of the stage."""
    conn = op.get_bind()
    changes = {}
    rows = conn.execute(sa.text(
        "SELECT record_id, created_at, data FROM timeline_entry WHERE entity = :e AND kind = 'changed' "
        "ORDER BY record_id, id"), {"e": entity}).all()
    import json

    for record_id, at, data in rows:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        pair = (data.get("changes") or {}).get(field)
        if pair and len(pair) == 2 and pair[1]:
            changes.setdefault(record_id, []).append((pair[0], pair[1], at))
    out = []
    for record_id, created, current in conn.execute(sa.text(
            f"SELECT id, created_at, {field} FROM {entity}")).all():
        seq = changes.get(record_id, [])
        first = seq[0][0] if seq and seq[0][0] else current
        stays = [(None, first, created)] + seq
        out += [{"entity": entity, "record_id": record_id, "from_status": old, "to_status": new,
                 "changed_at": at, "left_at": stays[i + 1][2] if i + 1 < len(stays) else None}
                for i, (old, new, at) in enumerate(stays)]
        if len(out) >= 5000:
            _insert(out)
            out = []
    _insert(out)


def _insert(rows):
    if rows:
        table = sa.table("stage_history", sa.column("entity"), sa.column("record_id"),
                         sa.column("from_status"), sa.column("to_status"), sa.column("changed_at"), sa.column("left_at"))
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table("dashboard_layout")
    op.drop_table("report_share")
    op.drop_index("ix_saved_report_owner_id", table_name="saved_report")
    op.drop_table("saved_report")
    op.drop_index("ix_stage_history_record", table_name="stage_history")
    op.drop_table("stage_history")
