"""drive search: a full-text index of drive items' names and texts, filled from what exists

Revision ID: 0025_drivesearch
Revises: 0025_drivelinks

SQLite: a contentless FTS5 table search_fts_drive (rowid = drive_item.id; name, text), kept in
step with drive_item by triggers, so every write path (upload, new version, the PDF text read
later, rename, copy, purge, the tests' wipe) updates it without service code; the backfill
copies the existing items. PostgreSQL: drive_item.search_tsv, a STORED generated tsvector (name
weighted A, text B) with a GIN index; adding it computes it for every existing row. The
document side is folded by SQL (translate() of common accented letters, non-alphanumerics as
spaces: "plan.txt" is the words plan and txt, as FTS5's unicode61 splits it). Whether a user may
read a hit is not copied into the index: drive.services.search filters on drive_item's path,
owners and trash and on drive_right at query time. ix_drive_item_trashed (partial) makes "no
folder above is in the trash" a probe of the few trashed rows.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0025_drivesearch"
down_revision = "0025_drivelinks"  # the brief said 0024_ops; 0025_davprops is already merged here
branch_labels = None
depends_on = None

FTS = ("CREATE VIRTUAL TABLE search_fts_drive USING fts5(name, text, content='', prefix='2 3', "
       "tokenize='unicode61 remove_diacritics 2')")
INSERT = "INSERT INTO search_fts_drive(rowid, name, text) VALUES (new.id, new.name, coalesce(new.text, ''));"
DELETE = ("INSERT INTO search_fts_drive(search_fts_drive, rowid, name, text) "
          "VALUES ('delete', old.id, old.name, coalesce(old.text, ''));")
TRIGGERS = {
    "search_fts_drive_ai": f"AFTER INSERT ON drive_item BEGIN {INSERT} END",
    "search_fts_drive_ad": f"AFTER DELETE ON drive_item BEGIN {DELETE} END",
    "search_fts_drive_au": f"AFTER UPDATE OF name, text ON drive_item BEGIN {DELETE} {INSERT} END",
}
# What drive.services.search.query_terms and FTS5's remove_diacritics do to Latin letters (NFKD
# without combining marks; other scripts keep theirs: й stays й): the migration cannot call
# Python, and unaccent() is not immutable.
_LETTERS = "àáâãäåāăąçćčďèéêëēėęěìíîïīįñńňòóôõöōőŕřśšşťùúûüūůűųýÿźżž"  # Latin only, as FTS5 folds
ACCENTED = _LETTERS + _LETTERS.upper()
PLAIN = "".join(unicodedata.normalize("NFKD", c)[0].lower() for c in ACCENTED)


def _words(column: str) -> str:
    """The column lower-cased, accents folded, anything but letters and digits as spaces."""
    return (f"regexp_replace(translate(lower(coalesce({column}, '')), '{ACCENTED}', '{PLAIN}'), "
            "'[^[:alnum:]]+', ' ', 'g')")


TSV = (f"setweight(to_tsvector('simple'::regconfig, {_words('name')}), 'A') || "
       f"setweight(to_tsvector('simple'::regconfig, {_words('text')}), 'B')")


def upgrade():
    op.create_index("ix_drive_item_trashed", "drive_item", ["trashed_at"],
                    sqlite_where=sa.text("trashed_at IS NOT NULL"),
                    postgresql_where=sa.text("trashed_at IS NOT NULL"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE drive_item ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({TSV}) STORED")
        op.execute("CREATE INDEX ix_drive_item_search_tsv ON drive_item USING gin (search_tsv)")
        return
    op.execute(FTS)
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO search_fts_drive(rowid, name, text) SELECT id, name, coalesce(text, '') FROM drive_item")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_drive_item_search_tsv")
        op.execute("ALTER TABLE drive_item DROP COLUMN IF EXISTS search_tsv")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts_drive")
    op.drop_index("ix_drive_item_trashed", table_name="drive_item")
