"""`flask --app app status`: the system page for the shell; exit code 1 when not ready."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ops.status import system_status


def _line(label: str, value: object) -> None:
    click.echo(f"  {label:<22} {value}")


def _print_status(status: dict) -> None:
    ready = status["readiness"]
    click.echo(f"Flowdesk {status['versions']['flowdesk']}: {'READY' if ready['ready'] else 'NOT READY'}")
    for name, check in ready["checks"].items():
        detail = check.get("error") or ", ".join(f"{k}={v}" for k, v in check.items() if k != "ok")
        _line(name, f"{'ok  ' if check['ok'] else 'DOWN'} {detail}")
    click.echo("Versions")
    for name, value in status["versions"].items():
        _line(name, value or "-")
    click.echo("Workers and beat")
    for beat in status["heartbeats"] or [{"name": "none has started", "kind": "", "seconds_ago": "-",
                                          "alive": False, "started_at": "-"}]:
        _line(beat["name"], f"{'alive' if beat['alive'] else 'gone '} since {beat['started_at']}, "
                            f"seen {beat['seconds_ago']} s ago")
    click.echo("Backlogs")
    outbox = status["outbox"]
    _line("domain events", f"{outbox['backlog']} waiting, oldest {outbox['lag_seconds']} s")
    _line("timers due", f"{status['timers']['due']}, late by {status['timers']['late_seconds']} s")
    _line("celery queue", status["queue_depth"] if status["queue_depth"] is not None else "unknown")
    mail = status["mail"]
    _line("system mail", f"{mail['queued']} queued, {mail['held']} held, {mail['failed']} failed")
    _line("failed jobs", len(status["failed_jobs"]))
    _line("drive", f"{status['disk']['drive_bytes'] / 1048576:.1f} MB stored, "
                   f"{status['disk']['free_bytes'] / 1073741824:.1f} GB free")
    last = status["last_backup"]
    _line("last backup", f"{last['at']} {last['path']}" if last else "none in FLOWDESK_BACKUP_DIR")


@click.command("status", help="Show readiness, versions, workers and beat, backlogs, failed jobs "
               "and disk; exit code 1 when a part is down.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@with_appcontext
def status_cmd(as_json: bool) -> None:
    status = system_status()
    if as_json:
        click.echo(json.dumps(status, indent=2, default=str))
    else:
        _print_status(status)
    if not status["readiness"]["ready"]:
        raise SystemExit(1)
