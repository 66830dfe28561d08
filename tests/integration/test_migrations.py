"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations


def test_models_match_migrations(app):
    from flask_migrate import check

    # Flask-Migrate exits with status 1 (and logs the operations) when models and the
    # migrated database differ: a model change without its migration fails here.
    check()



TABLES_0027 = ("lead", "company", "contact", "deal", "crm_task", "drive_item", "calendar_event",
               "process_instance", "workgroup", "department")
STAMP, RECORD = "'2020-01-01', '2020-01-01', '', 1", "phones, created_at, updated_at, dept_path, version"
LEAD = ("INSERT INTO lead (title, first_name, last_name, company_name, status, source, currency, "
        f"comments, do_not_email, {RECORD}) VALUES ('L', '', '', '', 'NEW', '', '', '', 0, '[]', {STAMP})")
ITEM = ("INSERT INTO drive_item (id, drive_kind, path, is_folder, name, mime, size, version_no, text, "
        "text_version, created_at, updated_at, parent_id) VALUES ")
ROWS_0026 = f"""
    {LEAD.replace("(title", "(id, title").replace("VALUES (", "VALUES (5, ")};
    INSERT INTO company (id, title, industry, lead_id, do_not_email, {RECORD})
        VALUES (3, 'C', '', 5, 0, '[]', {STAMP});
    INSERT INTO crm_task (id, title, description, status, created_at, updated_at, dept_path, version)
        VALUES (7, 'T', '', 'open', {STAMP});
    INSERT INTO crm_task_link (task_id, entity, record_id) VALUES (7, 'lead', 5);
    {ITEM} (9, 'company', '/9/', 1, 'root', '', 0, 0, '', 0, '2020-01-01', '2020-01-01', NULL),
           (10, 'company', '/9/10/', 0, 'a.txt', '', 0, 0, 'quokka', 0, '2020-01-01', '2020-01-01', 9);
"""


def _migrate(path, revision: str) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "tests.support.migrate_to", f"sqlite:///{path}", revision],
                   check=True, capture_output=True)


def _schema(conn) -> set:
    """Indexes and triggers of the tables 0027 recreates, as created."""
    marks = ",".join("?" * len(TABLES_0027))
    return set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                            f"AND tbl_name IN ({marks})", TABLES_0027))


def _rows(conn, sql: str) -> list:
    return conn.execute(sql).fetchall()


def test_0027_gives_sqlite_tables_autoincrement_and_keeps_rows_indexes_and_triggers(tmp_path):
    """Upgraded from 0026 with rows in place: ids, references (no cascade on the recreate's
    DROP), indexes, the drive's FTS5 triggers and its index stay; ids are never reused after."""
    import sqlite3

    import pytest

    from tests.support.databases import backend

    if backend() != "sqlite":
        pytest.skip("0027 changes nothing on PostgreSQL (sequences never reuse an id)")
    path = tmp_path / "old.sqlite"
    _migrate(path, "0026_polish14")
    conn = sqlite3.connect(path)
    conn.executescript(ROWS_0026)
    before = _schema(conn)
    assert {n for t, n, _ in before if t == "trigger"} >= {"search_fts_drive_ai", "search_fts_drive_ad"}
    conn.close()
    _migrate(path, "0027_ids")

    conn = sqlite3.connect(path)
    sql = dict(_rows(conn, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert [t for t in TABLES_0027 if "AUTOINCREMENT" not in sql[t]] == []
    assert _schema(conn) == before
    assert _rows(conn, "SELECT id, lead_id FROM company") == [(3, 5)]
    assert _rows(conn, "SELECT task_id, record_id FROM crm_task_link") == [(7, 5)]
    assert _rows(conn, "SELECT id, parent_id FROM drive_item ORDER BY id") == [(9, None), (10, 9)]
    match = "SELECT rowid FROM search_fts_drive WHERE search_fts_drive MATCH '{}'"
    assert _rows(conn, match.format("quokka")) == [(10,)]
    conn.execute("UPDATE drive_item SET text = 'wombat' WHERE id = 10")  # the triggers still index
    assert _rows(conn, match.format("wombat")) == [(10,)] and _rows(conn, match.format("quokka")) == []
    conn.execute("DELETE FROM lead WHERE id = 5")
    conn.execute(LEAD)
    assert _rows(conn, "SELECT id FROM lead") == [(6,)]
    assert _rows(conn, "SELECT version_num FROM alembic_version") == [("0027_ids",)]
