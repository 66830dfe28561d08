"""The periodic jobs beat sends (Celery's beat_schedule), from the app's configuration.

Each entry is a sweep or a due-time check whose task is safe to run twice; the comments say
what each one catches.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask


def _every(task: str, **interval: float) -> dict:
    return {"task": task, "schedule": timedelta(**interval)}


def beat_schedule(app: Flask, broker_url: str) -> dict[str, dict]:
    """{name: {task, schedule}} for this configuration."""
    cfg = app.config
    schedule = {
        "outbox-sweep": _every("crm.relay_outbox", seconds=cfg["OUTBOX_SWEEP_SECONDS"]),
        "engine-timers": _every("engine.fire_due_timers", seconds=cfg.get("ENGINE_TIMER_SECONDS", 2)),
        # the CRM mailbox when due, and stalled send jobs
        "mail-poll": _every("mail.poll_due", seconds=cfg.get("MAIL_POLL_SECONDS", 60)),
        "mail-unread": _every("mail.refresh_unread", seconds=cfg.get("MAIL_UNREAD_SECONDS", 300)),
        "caldav-sync": _every("calendars.sync_all", minutes=cfg.get("CALDAV_SYNC_MINUTES", 5)),
        # event reminders due, each sent once
        "calendar-reminders": _every("calendars.send_reminders",
                                     seconds=cfg.get("CALENDAR_REMINDER_SECONDS", 60)),
        # sent-reminder records no run can need any more (occurrences begun 2 days ago)
        "calendar-reminders-cleanup": _every("calendars.purge_sent_reminders", days=1),
        "weekly-reports": _every("mail.weekly_reports_due", hours=1),  # once per ISO week each
        "webhooks-sweep": _every("webhooks.sweep", seconds=cfg.get("WEBHOOK_SWEEP_SECONDS", 30)),
        "history-cleanup": _every("engine.clean_history", hours=1),  # camunda:historyTimeToLive
        "crm-imports": _every("crm.resume_imports", minutes=1),  # imports whose worker stopped
        "drive-gc": _every("drive.collect_garbage", hours=1),  # bodies no version names any more
        "drive-index": _every("drive.index_sweep", minutes=15),  # PDFs whose reading kick was lost
    }
    if cfg.get("BACKUP_DIR"):  # scheduled backups with retention (docs/backup.md)
        schedule["backup"] = _every("ops.scheduled_backup", hours=cfg["BACKUP_HOURS"])
    if broker_url.startswith("sqla+"):  # the embedded broker keeps consumed rows
        schedule["broker-purge"] = _every("flowdesk.purge_broker", minutes=1)
    return schedule
