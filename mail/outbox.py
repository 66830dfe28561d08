"""The outbox of system mails (password links, invitations, notices): stored, then sent after the commit.

A mail is queued in the caller's transaction and leaves after the commit (a Celery task; the
beat sweep finds what lost its kick). Without an SMTP server it is held, with its link readable
by administrators, until the server is set (saving the SMTP settings releases held mail).
Once sent, the link is blanked: the outbox never keeps a usable link longer than needed.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from errors import ValidationError
from extensions import db
from org.admin import require_admin
from org.models import User, utcnow
from transactions import enqueue_after_commit

log = logging.getLogger("flowdesk.mail.outbox")

DELIVER_TASK = "mail.deliver_system_mail"
RELEASE_TASK = "mail.release_held_mail"
SEND_JOB_TASK = "mail.send_job"
SENT_LINK = "(link removed once sent)"
CLAIM_LOST = timedelta(minutes=10)


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"  # no SMTP server is set


class SystemMail(db.Model):
    """One system mail and what became of it."""

    __tablename__ = "system_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # invitation, welcome, password_reset, notification, process
    kind: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.QUEUED, index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a sender claimed it (state "sending"); a claim this old was lost with its process.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


def queue_system_mail(to: str, subject: str, body: str, kind: str, link: str | None,
                      kick: bool = True) -> int:
    """Store the mail in the caller's transaction; it leaves after the commit (`kick`: a worker
    sends it; else the caller does, with deliver_result, and the beat sweep is the safety net)."""
    row = SystemMail(to_address=to[:320], subject=subject[:500], body=body, kind=kind[:32],
                     link=(link or None) and link[:1000], state=OutboxState.QUEUED)
    db.session.add(row)
    db.session.flush()
    log.info("System mail %s (%s) to %s queued: %s", row.id, kind, to, subject)
    if kick:
        enqueue_after_commit(DELIVER_TASK, row.id)
    return row.id


def deliver(mail_id: int) -> str | None:
    """Send one queued mail (committing its outcome); its state afterwards. Safe to run twice."""
    from mail.services.settings import smtp_config
    from org import notify

    row = db.session.get(SystemMail, mail_id)
    if row is None or row.state != OutboxState.QUEUED:
        return row.state if row else None
    if smtp_config() is None:
        row.state, row.error = OutboxState.HELD, "No SMTP server is set"
        log.info("System mail %s to %s held: no SMTP server is set. Link: %s", row.id, row.to_address,
                 row.link or "-")
        db.session.commit()
        return row.state
    to, subject, body = row.to_address, row.subject, row.body
    # Claim it: a worker and the request that queued it never both send it.
    claimed = db.session.execute(update(SystemMail).where(
        SystemMail.id == mail_id, SystemMail.state == OutboxState.QUEUED).values(
        state=OutboxState.SENDING, claimed_at=utcnow(), attempts=SystemMail.attempts + 1))
    db.session.commit()  # no transaction stays open while the SMTP server talks
    if claimed.rowcount != 1:
        return db.session.get(SystemMail, mail_id).state
    ok, answer = notify.send_mail(to, subject, body)
    row = db.session.get(SystemMail, mail_id)
    if ok:
        row.state, row.error, row.sent_at = OutboxState.SENT, None, utcnow()
        if row.link:
            row.body, row.link = row.body.replace(row.link, SENT_LINK), None
        log.info("System mail %s to %s sent", row.id, row.to_address)
    else:
        row.state, row.error = OutboxState.FAILED, answer[:500]
    db.session.commit()
    return row.state


def deliver_result(mail_id: int) -> tuple[bool, str]:
    """Send one mail now: (sent, the reason it was held or failed)."""
    state = deliver(mail_id)
    row = db.session.get(SystemMail, mail_id)
    return state == OutboxState.SENT, (row.error if row and row.error else str(state))


def release_held(*, actor: User | None) -> int:
    """Queue held (and failed) mail again and send it after the commit; how many."""
    require_admin(actor)
    ids = list(db.session.scalars(select(SystemMail.id).where(
        SystemMail.state.in_((OutboxState.HELD, OutboxState.FAILED))).order_by(SystemMail.id)))
    if ids:
        db.session.execute(update(SystemMail).where(SystemMail.id.in_(ids)).values(
            state=OutboxState.QUEUED, error=None))
        for mail_id in ids:
            enqueue_after_commit(DELIVER_TASK, mail_id)
        log.info("%s held system mails released by %s", len(ids), getattr(actor, "email", "an operator"))
    return len(ids) + release_held_jobs()


def release_after_commit() -> None:
    """Send held mail once the transaction that set the SMTP server commits (a Celery task)."""
    enqueue_after_commit(RELEASE_TASK)


def release_held_now() -> int:
    """Queue every held mail again, in its own unit of work (what the release task runs)."""
    from transactions import unit_of_work

    with unit_of_work():
        ids = list(db.session.scalars(select(SystemMail.id).where(SystemMail.state == OutboxState.HELD)))
        db.session.execute(update(SystemMail).where(SystemMail.id.in_(ids)).values(
            state=OutboxState.QUEUED, error=None))
        for mail_id in ids:
            enqueue_after_commit(DELIVER_TASK, mail_id)
        jobs = release_held_jobs()
    return len(ids) + jobs


def release_held_jobs() -> int:
    """Queue the send jobs (process and bulk mail) held for want of an SMTP server; how many."""
    from mail.models import Job
    from mail.states import JobStatus

    ids = list(db.session.scalars(select(Job.id).where(Job.status == JobStatus.HELD)))
    if ids:
        db.session.execute(update(Job).where(Job.id.in_(ids)).values(status=JobStatus.QUEUED))
        for job_id in ids:
            enqueue_after_commit(SEND_JOB_TASK, job_id)
    return len(ids)


def stalled_mail(now: datetime) -> list[int]:
    """Queued mail older than half a minute (its kick was lost) and mail whose sender died while
    sending (claimed 10 minutes ago): queued again, for the beat sweep to send."""
    lost = update(SystemMail).where(SystemMail.state == OutboxState.SENDING,
                                    SystemMail.claimed_at < now - CLAIM_LOST).values(state=OutboxState.QUEUED)
    if db.session.execute(lost).rowcount:
        db.session.commit()
    return list(db.session.scalars(select(SystemMail.id).where(
        SystemMail.state == OutboxState.QUEUED, SystemMail.created_at < now - timedelta(seconds=30)
    ).order_by(SystemMail.id).limit(100)))


def list_outbox(*, actor: User | None, state: str | None = None, page: int = 1,
                per_page: int = 50) -> tuple[list[SystemMail], int]:
    """The outbox, newest first, for administrators in admin mode: (one page, total)."""
    require_admin(actor)
    query = select(SystemMail)
    if state:
        if state not in tuple(OutboxState):
            raise ValidationError.from_fields({"state": f"One of {', '.join(OutboxState)}"})
        query = query.where(SystemMail.state == state)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(SystemMail.id.desc()).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(query)
    return list(rows), total


def copyable_link(row: SystemMail) -> str | None:
    """The link an administrator may pass on by hand: invitations and password links not sent."""
    if row.state in (OutboxState.HELD, OutboxState.FAILED) and row.kind in (
            "invitation", "welcome", "password_reset"):
        return row.link
    return None


def unsent_link(to: str, kinds: tuple[str, ...] = ("invitation", "welcome", "password_reset")) -> str | None:
    """The link of the newest mail of these kinds to `to` that could not go out (held or failed)."""
    row = db.session.scalar(select(SystemMail).where(
        SystemMail.to_address == to, SystemMail.kind.in_(kinds)).order_by(SystemMail.id.desc()).limit(1))
    return copyable_link(row) if row is not None else None


def install() -> None:
    """Make this outbox where org's system mails go."""
    from org import notify

    notify.use_queue(queue_system_mail, deliver_result)
