"""Backup and restore: time and archive size for a filled instance, against the floor of
copying the same data without Flowdesk (a file copy + tar on SQLite, pg_dump/pg_restore alone
on PostgreSQL), measured in the same run.

    .venv/bin/python -m bench backup --db sqlite --leads 1000000 --instances 100000 --files-mb 1024
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from flask import Flask

from bench._support import bench_app, make_database, pct

STATE = "x" * 2000  # about the size of a waiting "Process lead" instance's serialized state


def _fill(app: Flask, leads: int, instances: int, files_mb: int, drive: Path) -> None:
    from sqlalchemy import insert, select

    from crm.models import Lead
    from engine.install import install_standard_processes
    from engine.models import ProcessInstance, ProcessVersion
    from extensions import db

    with app.app_context():
        install_standard_processes()
        db.session.commit()
        version = db.session.scalar(select(ProcessVersion.id).limit(1))
        for start in range(0, leads, 20000):
            db.session.execute(insert(Lead), [{"title": f"Lead {n}", "status": "NEW", "dept_path": "/"}
                                              for n in range(start, min(leads, start + 20000))])
            db.session.commit()
        for start in range(0, instances, 10000):
            db.session.execute(insert(ProcessInstance), [
                {"version_id": version, "status": "waiting", "entity": "lead", "entity_id": n + 1,
                 "state": STATE} for n in range(start, min(instances, start + 10000))])
            db.session.commit()
    for _ in range(files_mb):  # 1 MB bodies in the store's layout (random: gzip cannot shrink them)
        body = os.urandom(1 << 20)
        digest = hashlib.sha256(body).hexdigest()
        path = drive / digest[:2] / digest[2:4] / digest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def _floor(url: str, db_kind: str, drive: Path, workdir: Path) -> float:
    """Seconds to copy the same data without Flowdesk."""
    started = time.perf_counter()
    if db_kind == "sqlite":
        shutil.copyfile(url.removeprefix("sqlite:///"), workdir / "copy.sqlite")
    else:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(["pg_dump", "--format=custom", f"--file={workdir / 'copy.pgdump'}", plain], check=True)
    with tarfile.open(workdir / "floor.tar.gz", "w:gz", compresslevel=1) as archive:
        archive.add(drive, arcname="drive")
    return time.perf_counter() - started


def _restore_once(app_url: str, archive: Path, db_kind: str) -> float:
    from ops.restore import restore_backup

    url, drop = make_database(db_kind)
    try:
        from app import create_app
        from config import sqlite_engine_options

        target = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False,
                             "DRIVE_STORAGE_DIR": tempfile.mkdtemp(prefix="flowdesk-bench-restore-"),
                             "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(url)})
        with target.app_context():
            started = time.perf_counter()
            restore_backup(archive)
            elapsed = time.perf_counter() - started
            from extensions import db
            db.engine.dispose()
        shutil.rmtree(target.config["DRIVE_STORAGE_DIR"], ignore_errors=True)
        return elapsed
    finally:
        drop()


def _line(label: str, values: list[float], unit: str = "s") -> None:
    print(f"  {label:<34} median {pct(values, 0.5):8.2f} {unit}   p95 {pct(values, 0.95):8.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--files-mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args()
    url, drop = make_database(args.db)
    work = Path(tempfile.mkdtemp(prefix="flowdesk-bench-backup-"))
    drive = work / "drive"
    os.environ["FLOWDESK_BACKUP_KEEP"] = "1"
    try:
        app = bench_app(url)
        app.config["DRIVE_STORAGE_DIR"] = str(drive)
        print(f"  filling: {args.leads} leads, {args.instances} instances, {args.files_mb} MB of files ...",
              flush=True)
        _fill(app, args.leads, args.instances, args.files_mb, drive)
        _measure(app, url, args, drive, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        drop()


def _measure(app: Flask, url: str, args: argparse.Namespace, drive: Path, work: Path) -> None:
    from ops.backup import create_backup

    floors, creates, restores = [], [], []
    archive = work / "backup.tar.gz"
    for _ in range(args.repeat):
        floors.append(_floor(url, args.db, drive, work))
        with app.app_context():
            started = time.perf_counter()
            create_backup(archive)
            creates.append(time.perf_counter() - started)
        restores.append(_restore_once(url, archive, args.db))
    copy = work / ("copy.sqlite" if args.db == "sqlite" else "copy.pgdump")
    total_mb = args.files_mb + copy.stat().st_size / 1e6
    _line("baseline: copy database + tar files", floors)
    _line("backup create", creates)
    _line("backup restore (checked)", restores)
    print(f"  archive {archive.stat().st_size / 1e6:.1f} MB for {total_mb:.1f} MB of data; "
          f"create {total_mb / pct(creates, 0.5):.0f} MB/s, {args.leads / pct(creates, 0.5):,.0f} leads/s; "
          f"create/baseline {pct(creates, 0.5) / pct(floors, 0.5):.2f}x")


if __name__ == "__main__":
    main()
