"""`flask --app app backup create|restore|list`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ops.backup import create_backup, read_manifest
from ops.backup_db import BackupError
from ops.restore import restore_backup


@click.group("backup", help="Back up and restore the database, the drive's files and the secret key.")
def backup_cli() -> None:
    pass


def _say(message: str) -> None:
    click.echo(f"  {message}", err=True)


@backup_cli.command("create", help="Write one archive (tar.gz) with a consistent snapshot; safe "
                    "while the platform runs.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def create_cmd(path: Path) -> None:
    try:
        manifest = create_backup(path, progress=_say)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {path}: schema {manifest['schema_revision']}, "
               f"{sum(manifest['tables'].values())} rows, {len(manifest['drive'])} drive files")


@backup_cli.command("restore", help="Restore an archive into an empty database and instance folder "
                    "(DATABASE_URL, FLOWDESK_INSTANCE); an older schema is upgraded.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_cmd(path: Path) -> None:
    try:
        manifest = restore_backup(path, progress=_say)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {path} (made {manifest['created_at']}): "
               f"{sum(manifest['tables'].values())} rows and {len(manifest['drive'])} drive files match")


@backup_cli.command("show", help="Print an archive's manifest: when, schema, rows per table.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def show_cmd(path: Path) -> None:
    try:
        manifest = read_manifest(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"made {manifest['created_at']} by Flowdesk {manifest['flowdesk']} "
               f"({manifest['dialect']}, schema {manifest['schema_revision']})")
    for table, count in manifest["tables"].items():
        click.echo(f"  {table:<32} {count}")
    click.echo(f"  drive files: {len(manifest['drive'])}, {sum(manifest['drive'].values())} bytes")
