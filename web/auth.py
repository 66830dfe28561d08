"""Session login for pages and bearer tokens for the API."""
from __future__ import annotations

from flask import Flask, g, request

from errors import Unauthorized
from extensions import db, login_manager
from org.models import User


def init_login(app: Flask) -> None:
    login_manager.login_view = "pages.login"
    login_manager.login_message_category = "warning"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Sessions carry "id:version"; a bumped version (dismissal) ends them at once."""
    try:
        uid, version = (int(p) for p in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def bearer_user() -> User:
    """The API caller from `Authorization: Bearer <token>`; 401 without a valid one."""
    from org.services.tokens import token_owner

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <token> (POST /api/v1/auth/token)")
    found = token_owner(token.strip())
    if found is None:
        raise Unauthorized("Invalid or revoked token")
    g.api_token = found[1]
    return found[0]
