"""Celery tasks of mail: take ids, reload, safe to run twice (leases and per-item states)."""
from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import or_, select

from extensions import db
from mail.states import OPEN_JOB_STATUSES
from org.models import utcnow
from transactions import unit_of_work


@shared_task(name="mail.send_job", ignore_result=True, bind=True)
def send_job(self, job_id: int) -> float | None:  # noqa: ANN001
    """Send a job's pending items; when the rate limit stops it, run again when a slot frees."""
    from mail.services.sending import run_job

    wait = run_job(job_id)
    if wait:
        self.apply_async((job_id,), countdown=wait, retry=False)
    return wait


@shared_task(name="mail.poll_mailbox", ignore_result=True)
def poll_mailbox(mailbox_id: int, force: bool = False) -> dict:
    """Read what is new in one mailbox (a lease keeps two polls from overlapping)."""
    from mail.services.poll import poll_mailbox as poll

    return poll(mailbox_id, force=force)


@shared_task(name="mail.poll_due", ignore_result=True)
def poll_due() -> int:
    """Beat: poll the CRM mailbox when due, and re-dispatch send jobs that lost their kick."""
    from mail.services.poll import due_mailboxes

    now = utcnow()
    due = due_mailboxes(now)
    for mailbox_id in due:
        poll_mailbox.delay(mailbox_id)
    for job_id in stalled_jobs(now):
        send_job.delay(job_id)
    from mail.outbox import stalled_mail

    for mail_id in stalled_mail(now):
        deliver_system_mail.delay(mail_id)
    return len(due)


@shared_task(name="mail.deliver_system_mail", ignore_result=True)
def deliver_system_mail(mail_id: int) -> str | None:
    """Send one system mail of the outbox (held when no SMTP server is set)."""
    from mail.outbox import deliver

    return deliver(mail_id)


def stalled_jobs(now: object) -> list[int]:
    """Open jobs no runner holds: queued and not picked up, or waiting past their next run."""
    from mail.models import Job

    grace = now - timedelta(seconds=30)
    return list(db.session.scalars(select(Job.id).where(
        Job.status.in_(OPEN_JOB_STATUSES),
        or_(Job.lease_until.is_(None), Job.lease_until < now),
        or_(Job.next_run_at.is_(None), Job.next_run_at <= now),
        Job.created_at < grace).order_by(Job.id).limit(100)))


@shared_task(name="mail.refresh_unread", ignore_result=True)
def refresh_unread() -> int:
    """Beat: queue a refresh of the cached unread count of every personal mailbox."""
    from mail.services.personal import personal_mailbox_ids

    ids = personal_mailbox_ids()
    for mailbox_id in ids:
        refresh_unread_one.delay(mailbox_id)
    return len(ids)


@shared_task(name="mail.refresh_unread_one", ignore_result=True)
def refresh_unread_one(mailbox_id: int) -> int | None:
    """Ask one personal mailbox's server for its unread count and cache it."""
    from mail.services.personal import refresh_unread as refresh

    with unit_of_work():
        return refresh(mailbox_id)


@shared_task(name="mail.release_held_mail", ignore_result=True)
def release_held_mail() -> int:
    """Send the system mail held for want of an SMTP server (after the SMTP settings were saved)."""
    from mail.outbox import release_held_now

    return release_held_now()


@shared_task(name="mail.weekly_reports_due", ignore_result=True)
def weekly_reports_due() -> int:
    """Beat: queue one task per saved report not yet mailed this week."""
    from mail.report_mail import due_report_ids

    ids = due_report_ids(utcnow())
    db.session.remove()
    for report_id in ids:
        mail_weekly_report.delay(report_id)
    return len(ids)


@shared_task(name="mail.mail_weekly_report", ignore_result=True)
def mail_weekly_report(report_id: int) -> int | None:
    """Mail one saved report to its owner (once per ISO week: safe to run twice)."""
    from mail.report_mail import mail_report

    with unit_of_work():
        return mail_report(report_id, utcnow())
