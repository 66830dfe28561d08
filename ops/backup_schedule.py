"""Scheduled backups (beat) with retention, and the last backup for the system page."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from celery import shared_task
from flask import current_app

from ops.backup import create_backup

log = logging.getLogger(__name__)
PATTERN = "flowdesk-*.tar.gz"


def backup_dir() -> Path | None:
    """FLOWDESK_BACKUP_DIR, or None when scheduled backups are off."""
    folder = current_app.config.get("BACKUP_DIR")
    return Path(folder) if folder else None


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest scheduled archives; returns what went."""
    archives = sorted(folder.glob(PATTERN), key=lambda path: path.name, reverse=True)
    gone = archives[max(keep, 1):]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def last_backup() -> dict | None:
    """The newest archive in the backup folder: its name, time and size."""
    folder = backup_dir()
    if folder is None or not folder.exists():
        return None
    archives = sorted(folder.glob(PATTERN), key=lambda path: path.name)
    if not archives:
        return None
    newest = archives[-1]
    stat = newest.stat()
    return {"path": str(newest), "bytes": stat.st_size,
            "at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")}


@shared_task(name="ops.scheduled_backup", ignore_result=True)
def scheduled_backup() -> str | None:
    """Write flowdesk-<UTC time>.tar.gz into the backup folder and keep the newest N."""
    folder = backup_dir()
    if folder is None:
        return None
    name = f"flowdesk-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
    create_backup(folder / name, progress=log.info)
    for path in prune(folder, int(current_app.config.get("BACKUP_KEEP", 7))):
        log.info("removed old backup %s", path)
    return name
