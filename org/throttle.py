"""Login throttling: failed logins per account and per address, with a growing lock-out.

Each failure is counted in its own transaction (the login that failed rolls back, its count
must stay). Past a number of free failures every further one locks the key for twice as long
as the one before, up to a ceiling; a success clears the account's count. Counts older than
the window start again from zero. Unknown e-mails are counted like known ones, so the answers
never tell whether an account exists. Password-reset requests use the same table with their own
keys ("reset_account:<e-mail>", "reset_address:<ip>"): there every request counts.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, case, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from errors import ServiceError
from extensions import db
from org.models import utcnow
from org.rows import get_or_create

# (free failures, first lock in seconds, longest lock in seconds); config keys override them.
# Password-reset requests count every request (reset_account, reset_address keys).
DEFAULTS = {"account": (5, 30, 900), "address": (20, 30, 900),
            "reset_account": (3, 300, 3600), "reset_address": (10, 300, 3600)}
WINDOW = timedelta(hours=1)


class LoginThrottle(db.Model):
    """Failed logins of one account ("account:<e-mail>") or one address ("address:<ip>")."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class TooManyAttempts(ServiceError):
    """Logins are paused for this account or address; `retry_after` says for how many seconds."""

    status = 429

    def __init__(self, seconds: int, what: str = "") -> None:
        super().__init__(f"Too many {what}: try again in {seconds} seconds." if what else
                         f"Too many failed logins: the account is locked for now. Try again in {seconds} "
                         f"seconds.")
        self.retry_after = seconds


def keys_for(email: str, address: str | None) -> list[str]:
    """The throttle keys a login attempt counts against."""
    keys = [f"account:{email[:380]}"]
    if address:
        keys.append(f"address:{address[:380]}")
    return keys


def _limits(kind: str) -> tuple[int, int, int]:
    free, first, longest = DEFAULTS[kind]
    cfg = current_app.config
    if kind.startswith("reset_"):
        return int(cfg.get(f"PASSWORD_{kind.upper()}_FREE", free)), first, longest
    return (int(cfg.get(f"LOGIN_{kind.upper()}_FREE", free)), int(cfg.get("LOGIN_LOCK_SECONDS", first)),
            int(cfg.get("LOGIN_LOCK_MAX_SECONDS", longest)))


def check_allowed(keys: list[str], what: str = "") -> None:
    """TooManyAttempts while any key is locked (`what` names the attempts in its message)."""
    now = utcnow()
    until = db.session.scalar(select(LoginThrottle.locked_until).where(
        LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now).order_by(
        LoginThrottle.locked_until.desc()).limit(1))
    if until is not None:
        raise TooManyAttempts(max(1, math.ceil((until - now).total_seconds())), what)


def record_failure(keys: list[str]) -> int | None:
    """Count a failed login against each key (committed at once); the lock in seconds, if one began."""
    locked = None
    with Session(db.engine) as session, session.begin():
        for key in keys:
            seconds = _count(session, key)
            if seconds:
                locked = max(locked or 0, seconds)
    return locked


def _count(session: Session, key: str) -> int | None:
    get_or_create(LoginThrottle, key=key, session=session)
    now = utcnow()
    stale = LoginThrottle.last_failure_at.is_(None) | (LoginThrottle.last_failure_at < now - WINDOW)
    # One UPDATE adds the failure, so two attempts at once both count (no read-modify-write).
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(
        failures=case((stale, 1), else_=LoginThrottle.failures + 1), last_failure_at=now))
    failures = session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key))
    free, first, longest = _limits(key.split(":", 1)[0])
    if failures <= free:
        return None
    seconds = min(longest, first * 2 ** min(failures - free - 1, 20))
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(
        locked_until=now + timedelta(seconds=seconds)))
    return seconds


def record_success(email: str) -> None:
    """A successful login clears the account's count (in the caller's transaction)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys_for(email, None)[0]))
