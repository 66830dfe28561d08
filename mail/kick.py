"""Mail tasks queued in a transaction are sent to the workers after it commits (never before)."""
from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

log = logging.getLogger(__name__)
KEY = "mail_tasks"


def after_commit(task_name: str, *args: object) -> None:
    """Queue `task_name(*args)` for when the current transaction commits."""
    pending = db.session.info.setdefault(KEY, [])
    if (task_name, args) not in pending:
        pending.append((task_name, args))


def _enabled() -> bool:
    # The same switch as the outbox kick: tests ("none") run the task functions themselves.
    return has_app_context() and current_app.config.get("OUTBOX_KICK") == "celery"


@event.listens_for(Session, "after_commit")
def _dispatch(session: Session) -> None:
    pending = session.info.pop(KEY, None)
    if not pending or not _enabled():
        return
    from extensions import celery

    for name, args in pending:
        try:
            celery.send_task(name, args=list(args), retry=False)
        except Exception:  # beat re-dispatches what is due from the database
            log.exception("could not enqueue %s%r", name, args)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(KEY, None)
