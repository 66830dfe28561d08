"""The figures operators watch, read from the database and the broker (metrics, status page)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from crm.events import OutboxEvent
from engine.models import EngineTimer, Incident, ProcessDefinition, ProcessInstance, ProcessVersion
from extensions import db
from mail.models import Mailbox
from mail.outbox import OutboxState, SystemMail
from org.models import utcnow

QUEUE = "celery"  # the one queue every task goes to (config.py sets no routes)


def instances_by_process() -> list[tuple[str, str, int]]:
    """(process key, status, count) over every instance."""
    rows = db.session.execute(
        select(ProcessDefinition.key, ProcessInstance.status, func.count())
        .join(ProcessVersion, ProcessVersion.definition_id == ProcessDefinition.id)
        .join(ProcessInstance, ProcessInstance.version_id == ProcessVersion.id)
        .group_by(ProcessDefinition.key, ProcessInstance.status))
    return [(key, status, count) for key, status, count in rows]


def open_incidents() -> list[tuple[str, str, int]]:
    """(process key, incident kind, count) of open incidents."""
    rows = db.session.execute(
        select(ProcessDefinition.key, Incident.kind, func.count())
        .join(Incident, Incident.definition_id == ProcessDefinition.id)
        .where(Incident.status == "open").group_by(ProcessDefinition.key, Incident.kind))
    return [(key, kind, count) for key, kind, count in rows]


def outbox() -> dict:
    """Undelivered domain events: how many, the oldest one's age, how many failed at least once."""
    pending = OutboxEvent.delivered_at.is_(None)
    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(pending)).one()
    failing = db.session.scalar(select(func.count()).where(pending, OutboxEvent.attempts > 0))
    lag = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    return {"backlog": count, "lag_seconds": round(lag, 1), "failing": failing}


def timers() -> dict:
    """BPMN timers due now, and how late the latest-fired one is running."""
    now = utcnow()
    due = EngineTimer.fired_at.is_(None) & (EngineTimer.due_at <= now)
    count, oldest = db.session.execute(select(func.count(), func.min(EngineTimer.due_at)).where(due)).one()
    late = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    return {"due": count, "late_seconds": round(late, 1)}


def queue_depth() -> int | None:
    """Messages waiting in the Celery queue (None when the broker cannot be asked)."""
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            return connection.default_channel.queue_declare(queue=QUEUE, passive=True).message_count
    except Exception:  # no queue declared yet, or the broker is away: unknown, not zero
        return None


def mail() -> dict:
    """System mail by state, mailboxes in error, and the longest time since a mailbox was polled."""
    states = dict(db.session.execute(select(SystemMail.state, func.count()).group_by(SystemMail.state)).all())
    errors = db.session.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.state == "error"))
    oldest_poll = db.session.scalar(
        select(func.min(Mailbox.last_poll_at)).where(Mailbox.last_poll_at.isnot(None)))
    lag = None if oldest_poll is None else round((utcnow() - oldest_poll).total_seconds(), 1)
    return {"failed": states.get(OutboxState.FAILED, 0), "held": states.get(OutboxState.HELD, 0),
            "queued": states.get(OutboxState.QUEUED, 0), "mailboxes_in_error": errors,
            "poll_lag_seconds": lag}


def pool() -> dict:
    """The database connection pool of this process."""
    pool_ = db.engine.pool
    checked_out = getattr(pool_, "checkedout", lambda: 0)()
    size = getattr(pool_, "size", lambda: 0)()
    return {"checked_out": checked_out, "size": size, "class": type(pool_).__name__}
