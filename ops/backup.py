"""Backups: one archive with the database, the drive's file bodies, the secret key and a manifest.

`flask --app app backup create PATH` while the platform runs; `backup restore PATH` into an
empty instance (docs/backup.md). Encrypted settings live in the database and decrypt with the
secret key the archive carries.
"""
from __future__ import annotations

import hashlib
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text

import config
from extensions import db
from ops import backup_db
from ops.backup_db import BackupError

FORMAT = 1
Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """Progress that says nothing (the default outside the CLI)."""
    return None


def current_revision() -> str | None:
    """The schema revision of the app's database."""
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        db.session.rollback()
        return None


def drive_root() -> Path:
    """Where the drive keeps file bodies (drive/storage.py)."""
    return Path(current_app.config.get("DRIVE_STORAGE_DIR") or Path(current_app.instance_path) / "drive")


def _drive_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    # ".upload-*" are uploads in flight (drive/storage.py): not bodies yet
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.name.startswith("."))


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content (drive bodies are named by it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot(workdir: Path) -> tuple[str, dict[str, int]]:
    """The database snapshot file's name in the archive, and its row counts."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if db.engine.dialect.name == "sqlite":
        return "database.sqlite", backup_db.snapshot_sqlite(url, workdir / "database.sqlite")
    if db.engine.dialect.name == "postgresql":
        return "database.pgdump", backup_db.snapshot_postgresql(db.engine, url, workdir / "database.pgdump")
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {db.engine.dialect.name}")


def create_backup(path: Path, progress: Progress = quiet) -> dict:
    """Write the archive to `path` (atomically: a temporary file renamed); returns its manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    revision = current_revision()
    with tempfile.TemporaryDirectory(prefix="flowdesk-backup-") as tmp:
        workdir = Path(tmp)
        progress("snapshot of the database")
        db_file, counts = _snapshot(workdir)
        root = drive_root()
        files = _drive_files(root)  # after the snapshot: bodies are immutable, none it names is new
        progress(f"{sum(counts.values())} rows in {len(counts)} tables; {len(files)} drive files")
        manifest = {"format": FORMAT, "flowdesk": config.VERSION, "schema_revision": revision,
                    "dialect": db.engine.dialect.name, "created_at": datetime.now(UTC).isoformat(),
                    "database_file": db_file, "tables": counts,
                    "drive": {str(f.relative_to(root)): f.stat().st_size for f in files}}
        (workdir / "manifest.json").write_text(json.dumps(manifest, indent=1))
        (workdir / "secret_key").write_text(str(current_app.config["SECRET_KEY"]))
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            for name in ("manifest.json", db_file, "secret_key"):
                archive.add(workdir / name, arcname=name)
            for index, file in enumerate(files, 1):
                archive.add(file, arcname=f"drive/{file.relative_to(root)}")
                if index % 500 == 0:
                    progress(f"drive files {index}/{len(files)}")
        os.chmod(partial, 0o600)  # the archive holds the secret key
        partial.replace(path)
    progress(f"written {path} ({path.stat().st_size} bytes)")
    return manifest


def read_manifest(path: Path) -> dict:
    """The manifest of an archive (BackupError if it is not one of ours)."""
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{path} is not a Flowdesk backup archive: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest and manifest.get('format')!r}")
    return manifest
