"""Workgroups: named groups of people across departments, with an owner, moderators, invitations.

Members (WorkgroupMember rows) may hold roles through role assignments (crm.rights) and be
candidate groups of inbox tasks ("workgroup:<id>", or by name, engine.assignment). The owner is a member
too. Invitations are accepted or declined by the invited person.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import NEVER_REUSE_IDS, db
from org.models import User, utcnow

# Who may invite people into a workgroup (administrators always may).
INVITE_POLICIES = ("owner", "owner_and_moderators", "all_members")


class Workgroup(db.Model):
    __tablename__ = "workgroup"
    __table_args__ = NEVER_REUSE_IDS  # its drive (drive_ref) outlives it

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    description: Mapped[str] = mapped_column(Text, default="")
    invite_policy: Mapped[str] = mapped_column(String(32), default="owner_and_moderators")

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    members: Mapped[list[WorkgroupMember]] = relationship(
        back_populates="workgroup", cascade="all, delete-orphan", order_by="WorkgroupMember.id")


class WorkgroupMember(db.Model):
    __tablename__ = "workgroup_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_moderator: Mapped[bool] = mapped_column(default=False)

    workgroup: Mapped[Workgroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("workgroup_id", "user_id", name="uq_workgroup_member"),)


class WorkgroupInvitation(db.Model):
    """An invitation into a workgroup: pending until the invited person accepts or declines."""

    __tablename__ = "workgroup_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # pending, accepted, declined, revoked
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]

    workgroup: Mapped[Workgroup] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
