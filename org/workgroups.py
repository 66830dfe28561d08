"""Workgroups: named groups of people across departments (issue 7 extends them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from org.models import utcnow


class Workgroup(db.Model):
    __tablename__ = "workgroup"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkgroupMember(db.Model):
    __tablename__ = "workgroup_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_moderator: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("workgroup_id", "user_id", name="uq_workgroup_member"),)


def workgroup_ids_of(user_id: int) -> list[int]:
    """The workgroups a user belongs to."""
    return list(db.session.scalars(
        select(WorkgroupMember.workgroup_id).where(WorkgroupMember.user_id == user_id)))
