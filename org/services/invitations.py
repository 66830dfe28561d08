"""Invitations: single-use, expiring links to join the portal or to set a first password.

Anyone active may invite colleagues by e-mail; the invited person is a pending user until
they set their name and password. Administrators add colleagues directly: they are active at
once and get a link to set their password. Only a SHA-256 of each token is stored; a resend
replaces it (the old link dies). Mails go through the outbox (org.notify): queued before the
commit, sent right after it; held, with the link for administrators, while no SMTP server is set.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from org import audit, notify
from org.admin import acts_as_admin
from org.models import Invitation, User, utcnow
from org.passwords import hash_password, password_problem
from org.rows import get_or_create
from org.services.users import (
    EMAIL_RE,
    _new_user,
    get_user,
    normalise_email,
    require_admin,
    set_user_departments,
)
from org.states import PORTAL_INVITATION_STATES, InvitationState

MAX_EMAILS = 100
DEFAULT_DAYS = 7.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ttl() -> timedelta:
    return timedelta(days=float(current_app.config.get("INVITATION_DAYS", DEFAULT_DAYS)))


def _new_token(row: Invitation) -> str:
    """Give `row` a fresh token and expiry; the plain token is returned, never stored."""
    token = secrets.token_urlsafe(32)
    row.token_hash = _digest(token)
    row.expires_at = utcnow() + _ttl()
    row.sent_at = row.send_error = None
    return token


def _require_active(actor: User | None) -> None:
    if actor is not None and not getattr(actor, "is_active", False):
        raise Forbidden("Log in to invite people")


# ---- inviting ---------------------------------------------------------------------------

def invite_people(emails: object, *, actor: User) -> list[Invitation]:
    """Invite each address (all or nothing; errors name `emails[i]`); mails leave after the commit."""
    _require_active(actor)
    addresses = _check_addresses(emails)
    sent: list[tuple[Invitation, str]] = []
    for email in addresses:
        user, _created = get_or_create(User, email=email, defaults={"active": False, "pending": True})
        row = Invitation(user_id=user.id, email=email, kind="invite",
                         invited_by_id=getattr(actor, "id", None))
        token = _new_token(row)
        db.session.add(row)
        sent.append((row, token))
        audit.record("user.invite", f"user {user.id}", {"email": email}, actor=actor)
    _commit_and_send(sent, actor)
    return [row for row, _ in sent]


def _check_addresses(emails: object) -> list[str]:
    if not isinstance(emails, list) or not emails:
        raise ValidationError.from_fields({"emails": "Give a list of one or more e-mail addresses"})
    if len(emails) > MAX_EMAILS:
        raise ValidationError.from_fields({"emails": f"At most {MAX_EMAILS} addresses at once"})
    errors: dict[str, str] = {}
    addresses: list[str] = []
    for i, raw in enumerate(emails):
        email = normalise_email(raw) if isinstance(raw, str) else ""
        problem = _address_problem(email) if isinstance(raw, str) else "Expected text"
        if problem:
            errors[f"emails[{i}]"] = problem
        elif email not in addresses:
            addresses.append(email)
    if errors:
        raise ValidationError.from_fields(errors)
    return addresses


def _address_problem(email: str) -> str | None:
    """Why `email` cannot be invited, or None."""
    if not EMAIL_RE.match(email) or len(email) > 320:
        return f"{email or 'An empty value'} is not an e-mail address"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return None
    if user.is_system or user.active:
        return f"{email} already belongs to a member of the portal"
    if not user.pending:
        return f"{email} belongs to a dismissed employee: hire them again instead"
    if _open_invitation(user.id) is not None:
        return f"{email} is already invited: resend the invitation instead"
    return None


def _open_invitation(user_id: int) -> Invitation | None:
    now = utcnow()
    return db.session.scalar(select(Invitation).where(
        Invitation.user_id == user_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now).limit(1))


def add_colleague(data: dict, *, actor: User | None) -> User:
    """Add an active employee without a password; they get a link to set one (administrators)."""
    require_admin(actor)
    dep = data.get("department_id")
    user = _new_user(data.get("email") or "", None, data.get("first_name") or "",
                     data.get("last_name") or "", position=(data.get("position") or "").strip(),
                     is_admin=bool(data.get("is_admin")))
    if dep not in (None, ""):
        set_user_departments(user, [dep])
    row = Invitation(user_id=user.id, email=user.email, kind="welcome",
                     invited_by_id=getattr(actor, "id", None))
    token = _new_token(row)
    db.session.add(row)
    audit.record("user.create", f"user {user.id}", {"email": user.email, "is_admin": user.is_admin,
                                                    "welcome_link": True}, actor=actor)
    _commit_and_send([(row, token)], actor)
    return user


# ---- listing, resending, revoking ---------------------------------------------------------

def list_invitations(*, actor: User, state: str | None = None) -> list[Invitation]:
    """Administrators (in admin mode) see every invitation, others the ones they sent."""
    _require_active(actor)
    query = select(Invitation).order_by(Invitation.id.desc())
    if not acts_as_admin(actor):
        query = query.where(Invitation.invited_by_id == actor.id)
    rows = list(db.session.scalars(query))
    if state is not None:
        if state not in PORTAL_INVITATION_STATES:
            raise ValidationError.from_fields({"state": f"One of {', '.join(PORTAL_INVITATION_STATES)}"})
        now = utcnow()
        rows = [r for r in rows if r.state_at(now) == state]
    return rows


def _require_manager(row: Invitation, actor: User, what: str) -> None:
    if not (acts_as_admin(actor) or row.invited_by_id == getattr(actor, "id", None)):
        raise Forbidden(f"Only an administrator or the person who sent the invitation can {what} it")


def resend_invitation(invitation_id: int, *, actor: User) -> Invitation:
    """A new link (the old one stops working) and a new expiry; the mail leaves after the commit."""
    row = _visible(invitation_id, actor)
    _require_manager(row, actor, "resend")
    state = row.state
    if state in (InvitationState.ACCEPTED, InvitationState.REVOKED):
        raise Conflict(f"The invitation was {state}; it cannot be resent")
    if not row.user.active and not row.user.pending:
        raise Conflict(f"{row.email} was dismissed; hire them again first")
    token = _new_token(row)
    _commit_and_send([(row, token)], actor)
    return row


def revoke_invitation(invitation_id: int, *, actor: User) -> Invitation:
    """The link stops working; the pending user stays pending (they may be invited again)."""
    row = _visible(invitation_id, actor)
    _require_manager(row, actor, "revoke")
    if row.accepted_at is not None:
        raise Conflict("The invitation was already accepted")
    if row.revoked_at is not None:
        raise Conflict("The invitation was already revoked")
    row.revoked_at = utcnow()
    db.session.flush()
    return row


def _visible(invitation_id: int, actor: User) -> Invitation:
    """An invitation anyone active may address by id (refusals then say why, with a 403)."""
    _require_active(actor)
    row = db.session.get(Invitation, invitation_id)
    if row is None:
        raise NotFound(f"No invitation {invitation_id}")
    return row


# ---- accepting (public, by token) ---------------------------------------------------------

def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a link, whatever its state (the page explains expired or used links)."""
    row = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token or "")))
    if row is None:
        raise NotFound("This link is not valid: it was replaced by a newer one or never existed")
    return row


def accept_invitation(token: str, data: dict) -> User:
    """Set name and password through the link: once, before it expires; the user becomes active."""
    row = invitation_for_token(token)
    _require_usable(row)
    errors = _accept_errors(data)
    if errors:
        raise ValidationError.from_fields(errors)
    now = utcnow()
    taken = db.session.execute(update(Invitation).where(
        Invitation.id == row.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now).values(accepted_at=now))
    if taken.rowcount != 1:  # someone used the link a moment ago
        raise Conflict("This link was already used")
    user = row.user
    user.first_name = data["first_name"].strip()
    user.last_name = data["last_name"].strip()
    user.password_hash = hash_password(data["password"])
    user.session_version += 1
    if user.pending:
        user.pending, user.active = False, True
    _close_others(user.id, row.id, now)
    db.session.flush()
    return user


def _require_usable(row: Invitation) -> None:
    state = row.state
    if state != InvitationState.PENDING:
        raise Conflict({InvitationState.ACCEPTED: "This link was already used: log in with your password",
                        InvitationState.EXPIRED: "This link has expired: ask for a new invitation",
                        InvitationState.REVOKED: "This invitation was revoked"}[state])
    if not row.user.active and not row.user.pending:
        raise Conflict("This account is not active")


def _accept_errors(data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("first_name", "last_name"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = "This field is required"
        elif len(value.strip()) > 100:
            errors[name] = "At most 100 characters"
    password = data.get("password")
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    elif "password_confirm" in data and data["password_confirm"] != password:
        errors["password_confirm"] = "The passwords differ"
    return errors


def _close_others(user_id: int, keep_id: int, now: datetime) -> None:
    db.session.execute(update(Invitation).where(
        Invitation.user_id == user_id, Invitation.id != keep_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=now))


# ---- mails --------------------------------------------------------------------------------

def _commit_and_send(sent: list[tuple[Invitation, str]], actor: User | None) -> None:
    """Put each link's mail in the outbox, commit, send them and record the outcome on each
    invitation (held while no SMTP server is set: the outbox shows administrators the link).

    The mails are queued before the commit, so no transaction of ours is open while the
    SMTP server talks (an SQLite write transaction would hold the file's lock)."""
    db.session.flush()
    inviter = actor.full_name if actor is not None else "An administrator"
    mails = [(row.id, notify.queue_mail(row.email, *_compose(row, token, inviter), kick=False,
                                        kind="welcome" if row.kind == "welcome" else "invitation",
                                        link=notify.invitation_link(token))) for row, token in sent]
    db.session.commit()
    results = [(row_id, *notify.deliver_now(mail_id)) for row_id, mail_id in mails]
    for row_id, ok, answer in results:
        db.session.execute(update(Invitation).where(Invitation.id == row_id).values(
            sent_at=utcnow() if ok else None, send_error=None if ok else answer))
    db.session.commit()


def _compose(row: Invitation, token: str, inviter: str) -> tuple[str, str]:
    link = notify.invitation_link(token)
    until = row.expires_at.strftime("%d %b %Y, %H:%M UTC")
    if row.kind == "welcome":
        user = get_user(row.user_id)
        dep = user.primary_department
        where = f" as {user.position}" if user.position else ""
        where += f" in {dep.name}" if dep else ""
        return ("Your Flowdesk account", f"Hello {user.first_name or user.email},\n\n{inviter} added you to "
                f"Flowdesk{where}.\n\nSet your password here (the link works once, until {until}):\n"
                f"{link}\n\nThen log in with your e-mail address {user.email}.\n")
    return (f"{inviter} invited you to Flowdesk", f"Hello,\n\n{inviter} invited you to join your colleagues "
            f"on Flowdesk.\n\nSet your name and password here (the link works once, until {until}):\n"
            f"{link}\n\nIf you did not expect this invitation, you can ignore this mail.\n")
