"""The system's state for administrators: the system page and `flask --app app status`."""
from __future__ import annotations

import platform
import shutil
from importlib import metadata
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text, update

import config
from crm.events import OutboxEvent
from drive.models import DriveVersion
from extensions import db
from mail.outbox import OutboxState, SystemMail
from ops import counts, health
from ops.backup_schedule import last_backup
from ops.models import ServiceHeartbeat
from org.admin import require_admin
from org.models import utcnow
from transactions import enqueue_after_commit

LIBRARIES = ("Flask", "SQLAlchemy", "celery", "SpiffWorkflow", "kombu")
FAILED_LIMIT = 50


def versions() -> dict:
    """Flowdesk, Python, the main libraries, the database server and the schema revision."""
    found = {"flowdesk": config.VERSION, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["database"] = f"{db.engine.dialect.name} {_server_version()}"
    found["schema"] = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    return found


def _server_version() -> str:
    info = db.engine.dialect.server_version_info or ()
    return ".".join(str(part) for part in info)


def heartbeats() -> list[dict]:
    """Every worker and beat process seen in the last day: since when, last seen, alive."""
    limit = float(current_app.config.get("READY_HEARTBEAT_SECONDS", 60))
    now = utcnow()
    rows = db.session.scalars(select(ServiceHeartbeat).order_by(ServiceHeartbeat.kind, ServiceHeartbeat.name))
    return [{"name": row.name, "kind": row.kind, "version": row.version,
             "started_at": row.started_at.isoformat() + "Z", "seen_at": row.seen_at.isoformat() + "Z",
             "seconds_ago": round((now - row.seen_at).total_seconds(), 1),
             "alive": (now - row.seen_at).total_seconds() <= limit} for row in rows]


def failed_jobs() -> list[dict]:
    """Background work that failed and waits: domain events a consumer refused, system mail."""
    events = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts > 0)
        .order_by(OutboxEvent.id).limit(FAILED_LIMIT))
    jobs = [{"kind": "event", "id": row.id, "what": f"{row.type} {row.entity} #{row.entity_id}",
             "attempts": row.attempts, "error": row.last_error, "at": row.created_at.isoformat() + "Z"}
            for row in events]
    mails = db.session.scalars(select(SystemMail).where(SystemMail.state == OutboxState.FAILED)
                               .order_by(SystemMail.id).limit(FAILED_LIMIT))
    jobs += [{"kind": "mail", "id": row.id, "what": f"{row.kind} mail to {row.to_address}",
              "attempts": row.attempts, "error": row.error, "at": None} for row in mails]
    return jobs


def disk() -> dict:
    """The drive's stored bytes (every version) and the free space under the instance folder."""
    stored = db.session.scalar(select(func.coalesce(func.sum(DriveVersion.size), 0)))
    root = Path(current_app.config.get("DRIVE_STORAGE_DIR") or config.INSTANCE_DIR)
    probe = root if root.exists() else config.BASE_DIR
    usage = shutil.disk_usage(probe)
    return {"drive_bytes": int(stored or 0), "free_bytes": usage.free, "total_bytes": usage.total,
            "path": str(root)}


def system_status() -> dict:
    """Everything the system page shows (no access check: callers check)."""
    return {"readiness": health.readiness(), "versions": versions(), "heartbeats": heartbeats(),
            "outbox": counts.outbox(), "timers": counts.timers(), "queue_depth": counts.queue_depth(),
            "mail": counts.mail(), "failed_jobs": failed_jobs(), "disk": disk(),
            "last_backup": last_backup()}


def status_for(actor: object) -> dict:
    """The system status for an administrator (403 otherwise)."""
    require_admin(actor)
    return system_status()


def retry_failed_event(event_id: int, *, actor: object) -> bool:
    """Deliver a failed domain event again now (after the caller's commit)."""
    require_admin(actor)
    found = db.session.execute(update(OutboxEvent).where(
        OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None)).values(attempts=0)).rowcount
    if found:
        enqueue_after_commit("crm.deliver_event", event_id)
    return bool(found)


def retry_failed_mail(mail_id: int, *, actor: object) -> bool:
    """Queue a failed system mail again (after the caller's commit)."""
    require_admin(actor)
    found = db.session.execute(update(SystemMail).where(
        SystemMail.id == mail_id, SystemMail.state == OutboxState.FAILED).values(
        state=OutboxState.QUEUED, error=None)).rowcount
    if found:
        enqueue_after_commit("mail.deliver_system_mail", mail_id)
    return bool(found)
