"""Saved reports, who they are shared with, and dashboard layouts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from org.models import utcnow


class SavedReport(db.Model):
    """A report of one's own: entity, filters, groupings, measure and chart (`spec`)."""

    __tablename__ = "saved_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    weekly: Mapped[bool] = mapped_column(default=False)  # mailed to its owner every week
    last_mailed: Mapped[str | None] = mapped_column(String(10))  # ISO week "2026-W49": one mail a week
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportShare(db.Model):
    """A saved report shared with a department (and its sub-departments) or a workgroup."""

    __tablename__ = "report_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("saved_report.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    workgroup_id: Mapped[int | None] = mapped_column(ForeignKey("workgroup.id", ondelete="CASCADE"))


class DashboardLayout(db.Model):
    """The widgets of a home page, in order: a person's own, or one an administrator shares
    with a department or workgroup (one of user_id, department_id, workgroup_id is set)."""

    __tablename__ = "dashboard_layout"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    workgroup_id: Mapped[int | None] = mapped_column(ForeignKey("workgroup.id", ondelete="CASCADE"))
    widgets: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "department_id", "workgroup_id", name="uq_dashboard_layout"),)
