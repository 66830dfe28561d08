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
    _migrate_url(f"sqlite:///{path}", revision)


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


ROWS_0027 = [
    "INSERT INTO workgroup (id, name, created_at, description, invite_policy) "
    "VALUES (1, 'Kept', '2020-01-01', '', 'owner')",
    "INSERT INTO department (id, name, path) VALUES (1, 'Kept', '/1/')",
    f"{ITEM} (9, 'company', '/9/', true, 'root', '', 0, 0, '', 0, '2020-01-01', '2020-01-01', NULL)",
    "INSERT INTO drive_right (item_id, subject, subject_id, include_subdepartments, level, created_at) "
    "VALUES "
    "(9, 'workgroup', 1, false, 'edit', '2020-01-01'), (9, 'workgroup', 77, false, 'read', '2020-01-01'), "
    "(9, 'department', 1, true, 'read', '2020-01-01'), (9, 'department', 78, true, 'edit', '2020-01-01'), "
    "(9, 'user', 79, false, 'read', '2020-01-01'), (9, 'everyone', NULL, false, 'none', '2020-01-01')",
]


def test_0028_removes_drive_rights_of_deleted_groups_only():
    """Rights naming workgroups or departments that are gone go; every other right stays."""
    from sqlalchemy import create_engine, text

    from tests.support.databases import create_database

    url, drop = create_database()
    try:
        _migrate_url(url, "0027_ids")
        engine = create_engine(url)
        with engine.begin() as conn:
            for sql in ROWS_0027:
                conn.execute(text(sql))
        _migrate_url(url, "0028_drive_orphans")
        with engine.connect() as conn:
            left = set(conn.execute(text("SELECT subject, subject_id FROM drive_right")).all())
        engine.dispose()
        assert left == {("workgroup", 1), ("department", 1), ("user", 79), ("everyone", None)}
    finally:
        drop()


def _migrate_url(url: str, revision: str, *, down: bool = False) -> None:
    import subprocess
    import sys

    direction = ["down"] if down else []
    subprocess.run([sys.executable, "-m", "tests.support.migrate_to", url, revision, *direction],
                   check=True, capture_output=True)
