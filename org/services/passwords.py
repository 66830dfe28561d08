"""Passwords: reset links (asked for by the person or sent by an administrator), changing one's
own password, an administrator setting one.

A reset link works once, until it expires (PASSWORD_RESET_MINUTES, an hour by default); only a
SHA-256 of its token is stored. Asking for a link answers the same whatever the address, and an
unknown address does the same work (a token, its hash, the mail text, a row in the outbox is
the only difference, and the mail leaves after the commit, outside the request's time).
Requests are throttled per address and per account. A new password ends the person's other
sessions and their API tokens.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from errors import Conflict, NotFound, ValidationError
from extensions import db
from org import notify, throttle
from org.models import ApiToken, PasswordReset, User, utcnow
from org.passwords import hash_password, password_problem, verify_password
from org.services.users import get_user, normalise_email, require_admin

log = logging.getLogger("flowdesk.org.passwords")

DEFAULT_MINUTES = 60.0


class LinkGone(Conflict):
    """The link was used or has expired."""

    status = 410


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ttl() -> timedelta:
    return timedelta(minutes=float(current_app.config.get("PASSWORD_RESET_MINUTES", DEFAULT_MINUTES)))


def request_reset(email: object, *, address: str | None) -> None:
    """Mail a reset link to the active account with this e-mail, if there is one (no answer tells)."""
    email = normalise_email(email if isinstance(email, str) else "")[:320]
    keys = [f"reset_account:{email}"] + ([f"reset_address:{address[:380]}"] if address else [])
    throttle.check_allowed(keys, what="password-reset requests")
    locked = throttle.record_failure(keys)  # every request counts, whether or not the account exists
    if locked:
        raise throttle.TooManyAttempts(locked, "password-reset requests")
    user = db.session.scalar(select(User).where(User.email == email, User.is_system.is_(False)))
    token = secrets.token_urlsafe(32)
    row = PasswordReset(token_hash=_digest(token), expires_at=utcnow() + _ttl())
    subject, body = _compose(user or User(email=email), token, row, by=None)
    if user is None or not user.is_active:
        log.info("Password reset asked for %s: no active account", email)
        return
    row.user_id = user.id
    db.session.add(row)
    db.session.flush()
    notify.queue_mail(user.email, subject, body, kind="password_reset", link=notify.reset_link(token))
    log.info("Password reset link queued for user %s", user.id)


def send_reset_link(user_id: int, *, actor: User | None) -> str:
    """An administrator mails a person a reset link; the link (for the outbox and tests)."""
    require_admin(actor)
    user = get_user(user_id)
    if not user.is_active:
        raise Conflict(f"{user.email} is not an active account")
    token = secrets.token_urlsafe(32)
    row = PasswordReset(user_id=user.id, token_hash=_digest(token), expires_at=utcnow() + _ttl(),
                        requested_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    subject, body = _compose(user, token, row, by=actor)
    link = notify.reset_link(token)
    notify.queue_mail(user.email, subject, body, kind="password_reset", link=link)
    log.info("Password reset link for user %s sent by %s", user.id, getattr(actor, "id", "an operator"))
    return link


def _compose(user: User, token: str, row: PasswordReset, *, by: User | None) -> tuple[str, str]:
    link = notify.reset_link(token)
    until = row.expires_at.strftime("%d %b %Y, %H:%M UTC")
    who = f"{by.full_name} sent you" if by is not None else "Someone (we hope you) asked for"
    return ("Choose a new Flowdesk password",
            f"Hello {user.first_name or user.email},\n\n{who} a link to choose a new password for "
            f"Flowdesk.\n\nChoose it here (the link works once, until {until}):\n{link}\n\n"
            f"If you did not ask for it, ignore this mail: your password stays as it is.\n")


def reset_for_token(token: str) -> PasswordReset:
    """The reset behind a link: 404 when unknown, 410 when used or expired."""
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token or "")))
    if row is None:
        raise NotFound("This link is not valid: it was replaced by a newer one or never existed")
    if row.used_at is not None:
        raise LinkGone("This link was already used: ask for a new one")
    if row.expires_at <= utcnow() or not row.user.is_active:
        raise LinkGone("This link has expired: ask for a new one")
    return row


def reset_password(token: str, password: object) -> User:
    """Set the password through a link, once; every session and API token of the person ends."""
    row = reset_for_token(token)
    problem = password_problem(password, row.user.email)
    if problem:
        raise ValidationError.from_fields({"password": problem})
    now = utcnow()
    taken = db.session.execute(update(PasswordReset).where(
        PasswordReset.id == row.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    if taken.rowcount != 1:  # used a moment ago
        raise LinkGone("This link was already used: ask for a new one")
    user = row.user
    _set(user, str(password), keep_token_id=None)
    db.session.execute(update(PasswordReset).where(  # older links die with this one
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    log.info("Password of user %s reset through a link", user.id)
    return user


def change_own_password(user: User, current: object, new: object, *,
                        keep_token_id: int | None = None) -> User:
    """The person changes their password (the current one asked); their other sessions and
    API tokens end (except the token making this call, `keep_token_id`)."""
    errors: dict[str, str] = {}
    if not isinstance(current, str) or not verify_password(user.password_hash, current):
        errors["current_password"] = "This is not your current password"
    problem = password_problem(new, user.email)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError.from_fields(errors)
    _set(user, str(new), keep_token_id=keep_token_id)
    log.info("User %s changed their password", user.id)
    return user


def set_password(user_id: int, password: object, *, actor: User | None) -> User:
    """An administrator (or an operator on the CLI) sets a person's password."""
    require_admin(actor)
    user = get_user(user_id)
    problem = password_problem(password, user.email)
    if problem:
        raise ValidationError.from_fields({"password": problem})
    _set(user, str(password), keep_token_id=None)
    log.info("Password of user %s set by %s", user.id, getattr(actor, "id", "an operator"))
    return user


def _set(user: User, password: str, *, keep_token_id: int | None) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # every session opened before ends (the caller's is renewed)
    query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_token_id is not None:
        query = query.where(ApiToken.id != keep_token_id)
    db.session.execute(query.values(revoked_at=utcnow()))
    db.session.flush()
