"""Running a send job: one runner at a time (a lease), the rate limit, never a message twice.

Each item is marked "sending" (with its Message-ID) and committed before the SMTP transaction,
and marked "sent" with its timeline entry and `email.sent` event in the commit after it. An
item found still "sending" by the next runner was interrupted between the two: it may have
been delivered, so it is failed with that reason and only a retry by a person sends it again
(with the same Message-ID).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from sqlalchemy import or_, select, update

from crm.event_types import MailEvent
from crm.events import record_event
from crm.services.timeline import add_entry
from extensions import db
from mail.config import setting
from mail.crypto import SecretUnreadable
from mail.models import Job, JobItem, MailTemplate
from mail.render import RenderError
from mail.services.jobs import OPEN_STATUSES, recount
from mail.services.recipients import resolve
from mail.services.settings import smtp_config
from mail.services.templates import render_for
from mail.smtp import SendFailed, SmtpConfig, Transport
from mail.states import ItemStatus, JobStatus
from org.actors import Actor, ProcessActor
from org.models import User, utcnow

INTERRUPTED = ("Interrupted while sending: it may have been delivered, so it is not sent again "
               "automatically; a retry sends it again with the same Message-ID")


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=float(setting("MAIL_LEASE_SECONDS")))


def acquire(job_id: int, now: datetime) -> bool:
    """Take the job's lease (one runner per job); False if another runner holds it."""
    result = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status.in_(OPEN_STATUSES),
                          or_(Job.lease_until.is_(None), Job.lease_until < now))
        .values(lease_until=_lease_end(now), status=JobStatus.RUNNING, next_run_at=None))
    db.session.commit()
    return result.rowcount == 1


def throttle_wait(now: datetime) -> float:
    """Seconds until the next message may go out under MAIL_RATE_PER_MINUTE (0: now)."""
    rate = int(setting("MAIL_RATE_PER_MINUTE"))
    if rate <= 0:
        return 0.0
    recent = list(db.session.scalars(select(JobItem.sent_at).where(
        JobItem.sent_at > now - timedelta(minutes=1)).order_by(JobItem.sent_at.desc()).limit(rate)))
    if len(recent) < rate:
        return 0.0
    return max((recent[-1] + timedelta(minutes=1) - now).total_seconds(), 0.01)


def run_job(job_id: int, *, now: datetime | None = None) -> float | None:
    """Send the job's pending items. Returns the seconds to wait when the rate limit stops it
    (the task queues itself again), None when the job is finished or another runner has it."""
    if not acquire(job_id, now or utcnow()):
        return None
    job = db.session.get(Job, job_id)
    _recover_interrupted(job)
    template = db.session.get(MailTemplate, (job.params or {}).get("template_id") or 0)
    try:
        config = smtp_config()
    except SecretUnreadable as exc:
        return _fail_pending(job, str(exc))
    if template is None:
        return _fail_pending(job, "The mail template was deleted")
    if config is None:  # no SMTP server yet: kept, and sent when the settings name one
        job.status, job.lease_until = JobStatus.HELD, None
        db.session.commit()
        return None
    with Transport(config) as transport:
        return _send_pending(job, template, transport, config, now)


def _send_pending(job: Job, template: MailTemplate, transport: Transport, config: SmtpConfig | None,
                  now: datetime | None) -> float | None:
    sender, actor = _sender(job)
    while True:
        item = db.session.scalar(select(JobItem).where(
            JobItem.job_id == job.id, JobItem.status == ItemStatus.PENDING).order_by(JobItem.id).limit(1))
        if item is None:
            return _finish(job)
        moment = now or utcnow()
        wait = throttle_wait(moment)
        if wait > 0:
            job.status, job.lease_until = JobStatus.WAITING, None
            job.next_run_at = moment + timedelta(seconds=wait)
            db.session.commit()
            return wait
        job.lease_until = _lease_end(moment)
        send_item(job, item, template, transport, config, sender, actor)


def send_item(job: Job, item: JobItem, template: MailTemplate, transport: Transport,
              config: SmtpConfig | None, sender: User | None, actor: Actor | None) -> None:
    """Resolve, render, mark sending, send, then mark sent with its timeline entry and event."""
    recipient = resolve(item.entity, item.record_id)
    item.email = recipient.email
    if recipient.skip:
        return _result(job, item, ItemStatus.SKIPPED, recipient.skip)
    try:
        subject, body = render_for(template.subject, template.body, item.entity, recipient.record, sender)
    except RenderError as exc:
        return _result(job, item, ItemStatus.FAILED, str(exc))
    from_address = config.from_address if config else "flowdesk@localhost"
    item.subject = subject[:1000]
    item.message_id = item.message_id or make_msgid(domain=from_address.rsplit("@", 1)[-1])
    item.status, item.attempts = ItemStatus.SENDING, item.attempts + 1
    db.session.commit()  # marked before the SMTP transaction
    msg = build_message(config, recipient.email, subject, body, item.message_id)
    try:
        answer = transport.send(msg, recipient.email)
    except SendFailed as exc:
        return _result(job, item, ItemStatus.FAILED, exc.answer)
    item.sent_at = utcnow()
    entry = add_entry(item.entity, item.record_id, "mail", actor=actor, summary=f"Mail sent: {subject}",
                      body=body, data={"direction": "out", "to": [recipient.email], "subject": subject,
                                       "template": template.name, "job_id": job.id,
                                       "message_id": item.message_id, "sent": True,
                                       "transport": "log" if transport.to_log else "smtp"})
    db.session.flush()
    item.entry_id = entry.id
    record_event(MailEvent.SENT, item.entity, item.record_id, {
        "to": [None, [recipient.email]], "subject": [None, subject], "message_id": [None, item.message_id],
        "job_id": [None, job.id]}, actor=actor)
    _result(job, item, ItemStatus.SENT, answer)


def _result(job: Job, item: JobItem, status: str, reason: str) -> None:
    item.status, item.reason = status, (reason or "")[:1000]
    if status == ItemStatus.SENT:
        job.done += 1
    elif status == ItemStatus.FAILED:
        job.failed += 1
    else:
        job.skipped += 1
    db.session.commit()


def build_message(config: SmtpConfig | None, to: str, subject: str, body: str,
                  message_id: str) -> EmailMessage:
    """A plain-text message from the configured sender with the given Message-ID."""
    msg = EmailMessage()
    sender = config.from_address if config else "flowdesk@localhost"
    msg["From"] = formataddr((config.from_name, sender)) if config and config.from_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id
    msg.set_content(body or "\n")
    return msg


def _sender(job: Job) -> tuple[User | None, Actor | None]:
    """The user a template calls `user`, and the actor the timeline and event name."""
    params = job.params or {}
    creator = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if params.get("instance_id") and creator is not None:
        behalf = db.session.get(User, params["on_behalf_of_id"]) if params.get("on_behalf_of_id") else None
        actor = ProcessActor(creator, params["instance_id"], params.get("on_behalf_of_id"),
                             int(params.get("depth", 0)))
        return behalf, actor
    return creator, creator


def _recover_interrupted(job: Job) -> None:
    """Items left "sending" by a runner that died: failed, never re-sent on their own."""
    sending = update(JobItem).where(JobItem.job_id == job.id, JobItem.status == ItemStatus.SENDING)
    stuck = db.session.execute(sending.values(status=ItemStatus.FAILED, reason=INTERRUPTED))
    if stuck.rowcount:
        recount(job)
        db.session.commit()


def _fail_pending(job: Job, reason: str) -> None:
    db.session.execute(update(JobItem).where(JobItem.job_id == job.id, JobItem.status == ItemStatus.PENDING)
                       .values(status=ItemStatus.FAILED, reason=reason[:1000]))
    recount(job)
    return _finish(job)


def _finish(job: Job) -> None:
    job.status, job.finished_at, job.lease_until, job.next_run_at = JobStatus.DONE, utcnow(), None, None
    db.session.commit()
    return None
