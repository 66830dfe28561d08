"""SQLite: ids never reused (AUTOINCREMENT) on tables whose rows are pointed at by rows outliving them.

Without AUTOINCREMENT SQLite gives a new row max(rowid) + 1, so deleting the newest lead and
creating one handed the new lead the old one's id, and with it the old timeline, stage history,
processes and files (those rows point at records by (entity, record_id), not by foreign key).
The same holds for drive files and calendar events named in timeline entries, and for process
instances named in timeline entries and outbox events, for workgroups (a deleted one's drive
and drive rights stay, by drive_ref and subject_id) and departments (their ids live on in the
dept_path copies of records, search rows and drive rights). PostgreSQL's sequences never reuse an id:
nothing to do there. Recreating a table keeps its rows, ids, indexes and foreign keys (env.py
turns foreign keys off meanwhile); the drive's FTS5 triggers, dropped with their table, are
created again. sqlite_sequence starts at the current max id of each table.

Revision ID: 0027_ids
Revises: 0026_polish14
"""
from alembic import op

revision = "0027_ids"
down_revision = "0026_polish14"
branch_labels = None
depends_on = None

# The entity tables of crm.entities.REGISTRY at this revision, then the others (frozen here: a
# migration must not change when the registry grows; a new entity's table is created with it).
TABLES = ("lead", "contact", "company", "deal", "crm_task", "drive_item", "calendar_event",
          "process_instance", "workgroup", "department")

# As 0025_drivesearch created them: triggers on drive_item disappear with the old table.
INSERT = "INSERT INTO search_fts_drive(rowid, name, text) VALUES (new.id, new.name, coalesce(new.text, ''));"
DELETE = ("INSERT INTO search_fts_drive(search_fts_drive, rowid, name, text) "
          "VALUES ('delete', old.id, old.name, coalesce(old.text, ''));")
DRIVE_TRIGGERS = {
    "search_fts_drive_ai": f"AFTER INSERT ON drive_item BEGIN {INSERT} END",
    "search_fts_drive_ad": f"AFTER DELETE ON drive_item BEGIN {DELETE} END",
    "search_fts_drive_au": f"AFTER UPDATE OF name, text ON drive_item BEGIN {DELETE} {INSERT} END",
}


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(name, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    for name, body in DRIVE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
