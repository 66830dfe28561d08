"""duplicate keys of CRM records; background imports

Revision ID: 0022_dedupe
Revises: 0021_reports

dedupe_key holds each lead's, contact's, company's and deal's normalised e-mail addresses,
phone numbers (E.164), company name and deal title (crm/dedupe.py), indexed by
(entity, kind, key), so possible duplicates are an index lookup. Backfilled from the rows.
crm_import holds an uploaded file's rows, their column mapping, progress and the per-row report.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_dedupe"
down_revision = "0021_reports"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    op.create_table(
        "dedupe_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dedupe_key_lookup", "dedupe_key", ["entity", "kind", "key", "record_id"])
    op.create_index("ix_dedupe_key_record", "dedupe_key", ["entity", "record_id"])
    _import_table()
    for entity, columns in (("lead", "phones"), ("contact", "phones"), ("company", "phones, title"),
                            ("deal", "phones, title, company_id")):
        _backfill(entity, columns)


def _import_table() -> None:
    op.create_table(
        "crm_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("on_duplicate", sa.String(length=8), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ("total", "processed", "created", "skipped", "failed")],
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_crm_import_created_by_id", "crm_import", ["created_by_id"])


def _backfill(entity: str, columns: str) -> None:
    """Write the keys of every existing record, a batch of rows at a time."""
    import json

    from crm.dedupe import keys_of

    conn = op.get_bind()
    table = sa.table("dedupe_key", sa.column("entity"), sa.column("record_id"), sa.column("kind"),
                     sa.column("key"))
    last = 0
    while True:
        rows = conn.execute(sa.text(f"SELECT id, {columns} FROM {entity} WHERE id > :last "  # noqa: S608
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).mappings().all()
        if not rows:
            return
        emails: dict[int, list[str]] = {}
        for rid, email in conn.execute(sa.text(
                "SELECT record_id, email FROM record_email WHERE entity = :e AND record_id BETWEEN :a AND :b"),
                {"e": entity, "a": rows[0]["id"], "b": rows[-1]["id"]}):
            emails.setdefault(rid, []).append(email)
        out = []
        for row in rows:
            values = dict(row)
            if isinstance(values.get("phones"), str):  # SQLite hands JSON back as text here
                values["phones"] = json.loads(values["phones"] or "[]")
            out += [{"entity": entity, "record_id": row["id"], "kind": k, "key": v}
                    for k, v in sorted(keys_of(entity, values, emails.get(row["id"])))]
        if out:
            op.bulk_insert(table, out)
        last = rows[-1]["id"]


def downgrade():
    op.drop_index("ix_crm_import_created_by_id", table_name="crm_import")
    op.drop_table("crm_import")
    op.drop_index("ix_dedupe_key_record", table_name="dedupe_key")
    op.drop_index("ix_dedupe_key_lookup", table_name="dedupe_key")
    op.drop_table("dedupe_key")
