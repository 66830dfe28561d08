"""Saved reports mailed weekly to their owners through the system-mail outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from crm.reports.custom import run_report
from crm.reports.models import SavedReport
from extensions import db
from mail.outbox import queue_system_mail
from org.models import User


def iso_week(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def due_report_ids(now: datetime) -> list[int]:
    """Weekly reports not yet mailed this ISO week."""
    week = iso_week(now)
    return list(db.session.scalars(select(SavedReport.id).where(
        SavedReport.weekly.is_(True),
        or_(SavedReport.last_mailed.is_(None), SavedReport.last_mailed != week)).order_by(SavedReport.id)))


def report_text(name: str, data: dict) -> str:
    """The figures as a plain-text table."""
    lines = [name, "", " | ".join(data["columns"])]
    lines += [" | ".join("" if v is None else str(v) for v in row) for row in data["rows"]]
    return "\n".join(lines) + ("\n" if data["rows"] else "\n(no records)\n")


def mail_report(report_id: int, now: datetime) -> int | None:
    """Queue this week's mail of one report (run with its owner's rights); None when already
    mailed this week, or the owner is gone. The caller commits."""
    report = db.session.get(SavedReport, report_id, with_for_update=True)
    week = iso_week(now)
    if report is None or not report.weekly or report.last_mailed == week:
        return None
    owner = db.session.get(User, report.owner_id)
    report.last_mailed = week
    if owner is None or not owner.is_active:
        return None
    data = run_report(report.entity, report.spec, actor=owner)
    return queue_system_mail(owner.email, f"Weekly report: {report.name}", report_text(report.name, data),
                             "report", None)
