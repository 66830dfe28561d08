"""Personal API tokens: shown once, stored as a SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from functools import cache

from sqlalchemy import Select, bindparam, select

from errors import NotFound
from extensions import db
from org.admin import acts_as_admin
from org.models import ApiToken, User, utcnow
from org.rights_epoch import epoch_column, note_epoch
from org.services.two_factor import require_admin_mode_allowed
from org.settings import note_security, security_column


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[str, ApiToken]:
    """Create a token for `user`; the plain token is returned once and never stored."""
    token = "fd_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name or "API token", token_hash=_digest(token))
    db.session.add(row)
    db.session.flush()
    return token, row


def token_owner(token: str) -> tuple[User, ApiToken] | None:
    """The active user and token row for a bearer token, or None.

    One query, read afresh on every call (a revoked token or a dismissed user fails the next
    request): the token, its user, the security setting the admin-mode check needs and the rights
    epoch (crm.rights.cache reuses the user's rights while it stays)."""
    found = db.session.execute(_owner_query(), {"token_hash": _digest(token)}).first()
    if found is None:
        return None
    row, user, security, epoch = found
    note_security(security)
    note_epoch(epoch)
    if row.revoked_at is not None or not user.is_active:
        return None
    return user, row


@cache
def _owner_query() -> Select:
    """Built once: a statement object keeps its cache key, which a fresh one computes per request."""
    return (select(ApiToken, User, security_column(), epoch_column()).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == bindparam("token_hash")))


def list_tokens(user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(ApiToken.id)))


def revoke_token(token_id: int, *, actor: User) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and not acts_as_admin(actor)):
        raise NotFound(f"No token {token_id}")
    row.revoked_at = utcnow()


def set_token_admin_mode(row: ApiToken, on: bool, *, actor: User) -> ApiToken:
    """Admin mode for every call made with this token, until switched off (administrators only)."""
    from org import admin

    if row.user_id != actor.id:
        raise NotFound(f"No token {row.id}")
    admin.require_can_switch(actor, on)
    require_admin_mode_allowed(actor, on)
    row.admin_mode = bool(on)
    admin.enter_request(actor.id, row.admin_mode)
    return row
