"""Dismiss and hire: a dismissed user cannot log in, loses sessions and tokens at once, keeps
everything they own; users are never deleted."""
from __future__ import annotations

from sqlalchemy import update

from errors import Conflict
from extensions import db
from org import audit
from org.models import ApiToken, User, utcnow
from org.services.users import get_user, other_active_admin_exists, require_admin
from org.signals import user_dismissed


def dismiss_user(user_id: int, *, actor: User | None) -> User:
    """Deactivate a user: sessions end (session_version), tokens are revoked, inbox tasks move on."""
    require_admin(actor)
    user = get_user(user_id)
    if user.pending:
        raise Conflict(f"{user.full_name} has not joined yet: revoke the invitation instead")
    if not user.active:
        raise Conflict(f"{user.full_name} is already dismissed")
    if user.is_admin and not other_active_admin_exists(user.id):
        raise Conflict(f"{user.full_name} is the last active administrator and cannot be dismissed: "
                       "grant administrator rights to someone else first")
    user.active = False
    user.dismissed_at = utcnow()
    user.session_version += 1
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow(), admin_mode=False))
    user_dismissed.send(user, user_id=user.id, actor_id=getattr(actor, "id", None))
    db.session.flush()
    audit.record("user.dismiss", f"user {user.id}", {"email": user.email}, actor=actor)
    return user


def hire_user(user_id: int, *, actor: User | None) -> User:
    """Make a dismissed user active again (they log in with their password; old tokens stay revoked)."""
    require_admin(actor)
    user = get_user(user_id)
    if user.active:
        raise Conflict(f"{user.full_name} is already active")
    if user.pending:
        raise Conflict(f"{user.full_name} has not joined yet: resend the invitation instead")
    user.active = True
    user.dismissed_at = None
    db.session.flush()
    audit.record("user.hire", f"user {user.id}", {"email": user.email}, actor=actor)
    return user
