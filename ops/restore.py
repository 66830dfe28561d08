"""Restore a backup archive (ops/backup.py) into an empty database and instance folder."""
from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect

import config
from extensions import db
from ops import backup_db
from ops.backup import Progress, drive_root, quiet, read_manifest, sha256_of
from ops.backup_db import BackupError

ALLOWED = ("manifest.json", "database.sqlite", "database.pgdump", "secret_key")


def _scripts() -> ScriptDirectory:
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(Path(config.BASE_DIR) / "migrations"))
    return ScriptDirectory.from_config(alembic)


def check_schema(revision: str | None) -> bool:
    """Whether the archive's schema is older than this code's head (True: upgrade after);
    a revision this code does not know (a newer release's) is refused."""
    scripts = _scripts()
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except Exception:
        known = False
    if not known:
        raise BackupError(f"The backup's schema revision {revision!r} is unknown to this Flowdesk "
                          f"(newest known: {scripts.get_current_head()}): restore it with the release "
                          "that made it, or a newer one")
    return revision != scripts.get_current_head()


def check_target(manifest: dict) -> None:
    """Same kind of database, and an empty one: a restore never mixes two states."""
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"The backup is of a {manifest['dialect']} database; DATABASE_URL points to "
                          f"{dialect}: set DATABASE_URL to an empty {manifest['dialect']} database")
    tables = set(inspect(db.engine).get_table_names()) - backup_db.SKIP_TABLES
    if tables:
        raise BackupError(f"The database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}): "
                          "restore into a new, empty database (createdb, or a new DATABASE_URL file)")
    root = drive_root()
    if root.exists() and any(root.iterdir()):
        raise BackupError(f"The drive folder {root} is not empty: restore into a new instance folder")


def _extract(path: Path, workdir: Path) -> None:
    with tarfile.open(path, "r:*") as archive:
        members = [m for m in archive.getmembers()
                   if m.name in ALLOWED or (m.name.startswith("drive/") and m.isfile())]
        archive.extractall(workdir, members=members, filter="data")  # no links, no paths outside


def _restore_database(manifest: dict, workdir: Path) -> None:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()  # the restored file or schema replaces what the pool saw
    snapshot = workdir / manifest["database_file"]
    if manifest["dialect"] == "sqlite":
        backup_db.restore_sqlite(snapshot, url)
    else:
        backup_db.restore_postgresql(snapshot, url)
    with backup_db.connect(url) as conn:
        counts = backup_db.table_counts(conn)
    if counts != manifest["tables"]:
        wrong = sorted(name for name in set(counts) | set(manifest["tables"])
                       if counts.get(name) != manifest["tables"].get(name))
        raise BackupError(f"The restored database differs from the manifest in {wrong[:5]}")


def _restore_drive(manifest: dict, workdir: Path) -> None:
    root = drive_root()
    for name, size in manifest["drive"].items():
        source = workdir / "drive" / name
        if not source.exists() or source.stat().st_size != size:
            raise BackupError(f"Drive file {name} is missing or damaged in the archive")
        if len(Path(name).name) == 64 and Path(name).name != sha256_of(source):
            raise BackupError(f"Drive file {name} does not match its content hash")
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _restore_secret(workdir: Path, progress: Progress) -> None:
    secret = (workdir / "secret_key").read_text().strip()
    if os.environ.get("SECRET_KEY"):
        if os.environ["SECRET_KEY"] != secret:
            progress("WARNING: SECRET_KEY in the environment differs from the backup's: sessions end "
                     "and encrypted settings (mail passwords, two-factor keys) cannot be read. "
                     "Set SECRET_KEY to the backup's (the archive's secret_key file).")
        return
    target = config.INSTANCE_DIR / "secret_key"
    target.write_text(secret)
    target.chmod(0o600)


def restore_backup(path: Path, progress: Progress = quiet) -> dict:
    """Restore `path` into the configured (empty) database and instance; upgrade an older schema."""
    manifest = read_manifest(Path(path))
    upgrade_after = check_schema(manifest["schema_revision"])
    check_target(manifest)
    with tempfile.TemporaryDirectory(prefix="flowdesk-restore-") as tmp:
        workdir = Path(tmp)
        progress("reading the archive")
        _extract(Path(path), workdir)
        progress(f"restoring the database ({sum(manifest['tables'].values())} rows)")
        _restore_database(manifest, workdir)
        progress(f"restoring {len(manifest['drive'])} drive files")
        _restore_drive(manifest, workdir)
        _restore_secret(workdir, progress)
    if upgrade_after:
        from flask_migrate import upgrade

        progress(f"upgrading the schema from {manifest['schema_revision']}")
        upgrade()
    progress("restored: the rows and files match the manifest")
    return manifest
