"""Heartbeats: each worker and beat process says it is alive every few seconds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from org.models import utcnow


class ServiceHeartbeat(db.Model):
    """The last sign of life of one worker or beat process (name: kind@host:pid)."""

    __tablename__ = "service_heartbeat"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # worker | beat
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    version: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
