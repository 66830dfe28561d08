"""global search: search_document (+ FTS5 index on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0004_search
Revises: 0003_access

One row per indexed record, id = entity code << 40 | record id (so one entity is one id
range), carrying copies of the record's access attributes (responsible, department path,
status, creator) that crm.access.condition filters on. SQLite: one contentless FTS5 table per
entity (a prefix query merges the postings of one entity, not of all five), kept in step with
search_document by triggers (so deleting rows, as the tests' wipe does, also empties them).
PostgreSQL: a tsvector column with a GIN index.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_search"
down_revision = "0003_access"
branch_labels = None
depends_on = None

ENTITIES = ("lead", "contact", "company", "deal", "task")
FTS = ("CREATE VIRTUAL TABLE search_fts_{e} USING fts5(title, body, content='', prefix='2 3', "
       "tokenize='unicode61 remove_diacritics 2')")
FTS_INSERT = "INSERT INTO search_fts_{e}(rowid, title, body) VALUES (new.id, new.title, new.body);"
FTS_DELETE = ("INSERT INTO search_fts_{e}(search_fts_{e}, rowid, title, body) "
              "VALUES ('delete', old.id, old.title, old.body);")
ON = "ON search_document WHEN {row}.entity = '{e}' BEGIN "
FTS_TRIGGERS = {  # name (with {e}) -> body; one contentless FTS5 table per entity
    "search_fts_{e}_ai": "AFTER INSERT " + ON.replace("{row}", "new") + FTS_INSERT + " END",
    "search_fts_{e}_ad": "AFTER DELETE " + ON.replace("{row}", "old") + FTS_DELETE + " END",
    "search_fts_{e}_au": "AFTER UPDATE OF title, body " + ON.replace("{row}", "new") + FTS_DELETE + " "
                         + FTS_INSERT + " END",
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
        sa.Column("source_updated_at", sa.DateTime(), nullable=True),
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
    for e in ENTITIES:
        op.execute(FTS.format(e=e))
        for name, body in FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name.format(e=e)} {body.format(e=e)}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for e in ENTITIES:
            for name in FTS_TRIGGERS:
                op.execute(f"DROP TRIGGER IF EXISTS {name.format(e=e)}")
            op.execute(f"DROP TABLE IF EXISTS search_fts_{e}")
    op.drop_table("search_document")
