"""Users, departments, memberships and API tokens."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import NEVER_REUSE_IDS, db
from org.states import InvitationState, UserState

# Primary keys are INTEGER columns: a larger id cannot exist, and PostgreSQL refuses to compare it.
MAX_ID = 2**31 - 1


def valid_id(value: object) -> bool:
    """Whether `value` (an int or a string of digits) can be the id of a row."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return False
    return 0 < int(value) <= MAX_ID


def utcnow() -> datetime:
    """Naive UTC timestamps: SQLite keeps no zone, so every column stores UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The identity processes act with; it never logs in.
    is_system: Mapped[bool] = mapped_column(default=False)
    # Bumped on dismissal or password change: sessions carry it and die when it moves.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Invited, not joined yet (inactive until the invitation is accepted).
    pending: Mapped[bool] = mapped_column(default=False)
    dismissed_at: Mapped[datetime | None]
    # Two-factor sign-in (org/services/two_factor.py): the TOTP key encrypted at rest; it only
    # counts once confirmed (totp_enabled_at); the last time step used, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # IANA zone pages show dates in (org.zones); None until set (the browser's is posted once).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    memberships: Mapped[list[DepartmentMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="DepartmentMember.id"
    )

    @property
    def full_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active and not self.is_system

    @property
    def state(self) -> str:
        """active, pending (invited, not joined yet) or dismissed."""
        if self.active:
            return UserState.ACTIVE
        return UserState.PENDING if self.pending else UserState.DISMISSED

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def primary_department(self) -> Department | None:
        for m in self.memberships:
            if m.is_primary:
                return m.department
        return self.memberships[0].department if self.memberships else None

    @property
    def department_paths(self) -> list[str]:
        return [m.department.path for m in self.memberships]


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Materialised path such as "/1/4/9/": a sub-tree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(500), default="/", index=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])
    head: Mapped[User | None] = relationship(foreign_keys=[head_id])
    members: Mapped[list[DepartmentMember]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )

    # Paths ("/1/4/") copied into records, search rows and drive rights name it by id.
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_department_parent_name"),
                      NEVER_REUSE_IDS)


class DepartmentMember(db.Model):
    __tablename__ = "department_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    is_primary: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    department: Mapped[Department] = relationship(back_populates="members")

    __table_args__ = (
        UniqueConstraint("user_id", "department_id", name="uq_department_member"),
        Index("ix_department_member_department", "department_id"),
    )


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    # Only a SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    admin_mode: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use two-factor recovery code, stored as an argon2 hash like a password."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class Invitation(db.Model):
    """A single-use link to join the portal (kind "invite") or to set a first password ("welcome")."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(16), default="invite")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Only a SHA-256 of the token is stored; a resend replaces it, so the old link dies.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    send_error: Mapped[str | None] = mapped_column(String(500))
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def state_at(self, now: datetime) -> str:
        """pending, accepted, expired or revoked."""
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        return InvitationState.EXPIRED if self.expires_at <= now else InvitationState.PENDING

    @property
    def state(self) -> str:
        return self.state_at(utcnow())


class PasswordReset(db.Model):
    """A single-use, expiring link to choose a new password (only a SHA-256 of the token is kept)."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # An administrator who sent the link, or None when the person asked for it themselves.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
