"""global search: search_document (+ FTS5 index on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0004_search
Revises: 0001_foundation

One row per indexed record, id = entity code << 40 | record id (so one entity is one id
range), carrying copies of the record's access attributes (responsible, department path,
status, creator) that crm.access.condition filters on. SQLite: an external-content FTS5 table
over search_document kept in step by triggers (so deleting rows, as the tests' wipe does,
also empties the index). PostgreSQL: a tsvector column with a GIN index.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_search"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

FTS_DELETE = ("INSERT INTO search_fts(search_fts, rowid, title, body) "
              "VALUES ('delete', old.id, old.title, old.body);")
FTS_TRIGGERS = {
    "search_document_ai": "AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "search_document_ad": f"AFTER DELETE ON search_document BEGIN {FTS_DELETE} END",
    "search_document_au": f"AFTER UPDATE OF title, body ON search_document BEGIN {FTS_DELETE} "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
}


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "search_document",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("dept_path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("entity", "record_id", name="uq_search_document_record"),
    )
    # With the id: a rights filter reaches one entity's id range, newest first, inside the index.
    op.create_index("ix_search_document_responsible_id_id", "search_document", ["responsible_id", "id"])
    op.create_index("ix_search_document_dept_path_id", "search_document", ["dept_path", "id"],
                    postgresql_ops={"dept_path": "varchar_pattern_ops"})
    if postgres:
        op.create_index("ix_search_document_tsv", "search_document", ["tsv"], postgresql_using="gin")
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document', "
        "content_rowid='id', prefix='2 3', tokenize='unicode61 remove_diacritics 2')")
    for name, body in FTS_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_document")
