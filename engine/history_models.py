"""The history of element activations: one row per element a process instance entered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

ACTIVE, COMPLETED, CANCELLED = "active", "completed", "cancelled"


class ElementActivation(db.Model):
    """An element's activation: when it started and ended, its type, variables changed."""

    __tablename__ = "element_activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id", ondelete="CASCADE"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    element_type: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    variables: Mapped[list | None] = mapped_column(JSON(none_as_null=True))  # None: SQL NULL, batched or not

    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid", name="uq_element_activation_task"),
        Index("ix_element_activation_version", "version_id", "element_id"),
    )
