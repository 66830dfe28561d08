"""Administrator rights: grant, revoke, pass on; there is always one active administrator left."""
from __future__ import annotations

from errors import Conflict
from extensions import db
from org.models import User
from org.services.users import get_user, other_active_admin_exists, require_admin, set_admin_flag

LAST_ADMIN = "{name} is the last active administrator: grant administrator rights to someone else first"


def grant_admin(user_id: int, *, actor: User | None) -> User:
    """Give an active user administrator rights (they start with admin mode off)."""
    require_admin(actor)
    user = get_user(user_id)
    if not user.active:
        raise Conflict(f"{user.full_name} is not active: hire them first")
    set_admin_flag(user, True)
    db.session.flush()
    return user


def revoke_admin(user_id: int, *, actor: User | None) -> User:
    """Take administrator rights away; refused (409) for the last active administrator."""
    require_admin(actor)
    user = get_user(user_id)
    if user.is_admin and user.active and not other_active_admin_exists(user.id):
        raise Conflict(LAST_ADMIN.format(name=user.full_name))
    set_admin_flag(user, False)
    db.session.flush()
    return user


def transfer_admin(user_id: int, *, actor: User) -> User:
    """Pass the administrator role on: `user_id` gets it, the actor gives theirs up."""
    require_admin(actor)
    user = get_user(user_id)
    if user.id == actor.id:
        raise Conflict("Pass the administrator role on to someone else")
    if not user.active:
        raise Conflict(f"{user.full_name} is not active: hire them first")
    set_admin_flag(user, True)
    set_admin_flag(get_user(actor.id), False)
    db.session.flush()
    return user
