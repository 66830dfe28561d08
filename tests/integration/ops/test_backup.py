"""`flask backup create` while the database is written to, `backup restore` into a fresh database
and instance folder: every table and every drive file comes back (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, insert, select, update

from engine.install import install_standard_processes
from engine.models import ProcessInstance
from engine.runtime import run_pending
from extensions import db
from mail.outbox import queue_system_mail
from ops.models import ServiceHeartbeat
from org.models import utcnow
from tests.support.databases import create_database
from transactions import unit_of_work

CHURN = ServiceHeartbeat.__tablename__  # written by a thread during the backup


def _world(api) -> None:
    """Records, processes in every state, mail, drive files."""
    install_standard_processes()
    for n in range(5):
        assert api.post("/leads", {"title": f"Lead {n}", "emails": [f"l{n}@example.com"]}).status_code == 201
    api.post("/companies", {"title": "ACME"})
    run_pending()  # each lead's "Process lead" waits at its user task
    instances = db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
    assert len(instances) == 5
    api.post(f"/process-instances/{instances[0].id}/terminate")
    api.post(f"/process-instances/{instances[1].id}/suspend")
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instances[2].id).values(
        status="error", error_message="boom"))
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instances[3].id).values(
        status="completed", completed_at=utcnow()))
    with unit_of_work():
        queue_system_mail("x@example.com", "Hello", "Body", "notification", None, kick=False)
    root = api.get("/drive/items").json["folder"]["id"]
    files = [(io.BytesIO(b"%PDF-1.4 one"), "one.pdf"), (io.BytesIO(b"plain two " * 1000), "two.txt")]
    assert api.post("/drive/items", data={"parent": str(root), "file": files},
                    content_type="multipart/form-data").status_code == 201
    db.session.commit()


def _churn(url: str, stop: threading.Event) -> None:
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    table = MetaData()
    table.reflect(engine, only=[CHURN])
    n = 0
    while not stop.is_set():
        with engine.begin() as conn:
            conn.execute(insert(table.tables[CHURN]).values(
                name=f"churn-{n}", kind="worker", hostname="h", pid=n, version="x",
                started_at=utcnow(), seen_at=utcnow()))
        n += 1
    engine.dispose()


def _dump(engine) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for name, table in meta.tables.items() if not name.startswith("kombu")}


@pytest.fixture
def fresh(tmp_path):
    from app import create_app
    from config import sqlite_engine_options
    from extensions import celery_init_app

    url, cleanup = create_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "OUTBOX_KICK": "none",
                      "EMBEDDED_WORKER": False, "DEMO_DATA": False,
                      "DRIVE_STORAGE_DIR": str(tmp_path / "restored-drive"),
                      "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(url)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()
    celery_init_app(__import__("flask").current_app._get_current_object())  # the test app again


def test_backup_while_writing_and_restore_everything(app, api, runner, fresh, tmp_path):
    _world(api)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    stop = threading.Event()
    writer = threading.Thread(target=_churn, args=(url, stop))
    writer.start()
    try:
        archive = tmp_path / "backup.tar.gz"
        made = runner.invoke(args=["backup", "create", str(archive)])
    finally:
        stop.set()
        writer.join()
    assert made.exit_code == 0, made.output
    assert archive.stat().st_mode & 0o077 == 0  # it holds the secret key
    source = _dump(db.engine)
    drive = Path(app.config.get("DRIVE_STORAGE_DIR") or Path(app.instance_path) / "drive")
    bodies = {p.relative_to(drive): p.read_bytes() for p in drive.rglob("*") if p.is_file()}

    with fresh.app_context():  # the CLI runs in the current app context: the fresh app's
        restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        copy = _dump(db.engine)
    churned = set(copy.pop(CHURN))
    assert churned <= set(source.pop(CHURN))  # the snapshot's rows, whatever came after
    assert copy == source
    statuses = {row[2] for row in copy["process_instance"]}  # id, version_id, status
    assert statuses == {"waiting", "suspended", "terminated", "error", "completed"}
    restored_drive = Path(fresh.config["DRIVE_STORAGE_DIR"])
    assert {p.relative_to(restored_drive): p.read_bytes()
            for p in restored_drive.rglob("*") if p.is_file()} == bodies
    assert {b"%PDF-1.4 one", b"plain two " * 1000} <= set(bodies.values())  # earlier tests' files too


def test_restore_refuses_a_non_empty_database_and_an_unknown_schema(app, api, runner, tmp_path):
    import json
    import tarfile

    archive = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    again = runner.invoke(args=["backup", "restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    manifest["schema_revision"] = "9999_future"
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(newer, "w:gz") as out:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    refused = runner.invoke(args=["backup", "restore", str(newer)])
    assert refused.exit_code == 1 and "9999_future" in refused.output and "unknown" in refused.output
    shown = runner.invoke(args=["backup", "show", str(archive)])
    assert shown.exit_code == 0 and "lead " in shown.output


def test_scheduled_backups_keep_the_newest(app, api, tmp_path):
    from ops.backup_schedule import prune, scheduled_backup

    app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP=2)
    try:
        assert api.get("/system/status").json["last_backup"] is None
        folder = tmp_path / "backups"
        folder.mkdir()
        for old in ("flowdesk-20000101-000000.tar.gz", "flowdesk-20000102-000000.tar.gz"):
            (folder / old).write_bytes(b"old")
        name = scheduled_backup()  # writes one and keeps the newest two
        assert sorted(p.name for p in folder.iterdir()) == ["flowdesk-20000102-000000.tar.gz", name]
        assert prune(folder, 2) == []
        last = api.get("/system/status").json["last_backup"]
        assert last["path"].endswith(name) and last["bytes"] > 0
    finally:
        app.config.update(BACKUP_DIR="", BACKUP_KEEP=7)
