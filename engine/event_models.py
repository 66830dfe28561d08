"""Timer start events: one schedule row per start event of the newest active version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class TimerStartSchedule(db.Model):
    """When a timer start event next starts an instance; beat fires the due rows.

    The instance a due time starts carries `start_event_id` "timer:<element hash>:<due>", unique
    per version, so firing the same due time twice (two beats, a restart) starts it once.
    """

    __tablename__ = "timer_start_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id", ondelete="CASCADE"))
    element_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # date | duration | cycle | cron
    expression: Mapped[str] = mapped_column(String(255))
    next_due_at: Mapped[datetime | None]
    remaining: Mapped[int | None]  # cycles left (R3/...); None: unbounded

    __table_args__ = (
        UniqueConstraint("version_id", "element_id", name="uq_timer_start_version_element"),
        Index("ix_timer_start_due", "next_due_at"),
    )
