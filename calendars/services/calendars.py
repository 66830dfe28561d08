"""Calendars: one per person and per workgroup (created when first asked for), external ones."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from calendars.access import calendar_visibility, my_workgroup_ids
from calendars.models import Calendar
from calendars.states import CalendarKind, Visibility
from errors import NotFound
from extensions import db
from org.actors import Actor, actor_user
from org.models import MAX_ID, User
from org.workgroups import Workgroup


def _ensure(key: str, **values: object) -> Calendar:
    """The calendar with `key`, created if missing; a concurrent creation wins harmlessly."""
    found = db.session.scalar(select(Calendar).where(Calendar.key == key))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            row = Calendar(key=key, **values)
            db.session.add(row)
            db.session.flush()
        return row
    except IntegrityError:  # another transaction created it first
        return db.session.scalars(select(Calendar).where(Calendar.key == key)).one()


def personal_calendar(user: User) -> Calendar:
    """The person's own calendar."""
    return _ensure(f"user:{user.id}", kind=CalendarKind.PERSONAL, name=user.full_name, owner_id=user.id)


def workgroup_calendar(group: Workgroup) -> Calendar:
    """The workgroup's calendar (its members see it in full)."""
    return _ensure(f"workgroup:{group.id}", kind=CalendarKind.WORKGROUP, name=group.name,
                   workgroup_id=group.id)


def external_calendar_row(owner_id: int, name: str, token: str) -> Calendar:
    """A new local calendar mirroring an external one."""
    return _ensure(f"external:{token}", kind=CalendarKind.EXTERNAL, name=name, owner_id=owner_id)


def list_calendars(*, actor: Actor, user_id: int | None = None) -> list[tuple[Calendar, Visibility]]:
    """The actor's calendars (own, workgroups', external ones), or another person's own
    calendar (`user_id`: busy times unless the actor may see more)."""
    if user_id is not None:
        user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
        if user is None or user.is_system:
            raise NotFound(f"No user {user_id}")
        cal = personal_calendar(user)
        return [(cal, calendar_visibility(cal, actor))]
    me = actor_user(actor)
    rows = [personal_calendar(me)]
    for group_id in my_workgroup_ids(actor):
        rows.append(workgroup_calendar(db.session.get(Workgroup, group_id)))
    rows += db.session.scalars(select(Calendar).where(
        Calendar.owner_id == me.id, Calendar.kind == CalendarKind.EXTERNAL).order_by(Calendar.id))
    return [(c, Visibility.FULL) for c in rows]


def get_calendar(calendar_id: int, *, actor: Actor) -> tuple[Calendar, Visibility]:
    """A calendar and what the actor sees of it (every person's busy times are public)."""
    cal = db.session.get(Calendar, calendar_id) if 0 < calendar_id <= MAX_ID else None
    if cal is None:
        raise NotFound(f"No calendar {calendar_id}")
    return cal, calendar_visibility(cal, actor)


def touch(cal: Calendar) -> None:
    """Mark the calendar changed (its ctag for CalDAV clients and the feed)."""
    cal.version = (cal.version or 0) + 1


def feed_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed_token(calendar_id: int, *, actor: Actor) -> str:
    """A new secret for the calendar's read-only feed; the old link stops working."""
    cal, view = get_calendar(calendar_id, actor=actor)
    if view != Visibility.FULL:
        raise NotFound(f"No calendar {calendar_id}")
    token = secrets.token_urlsafe(24)
    cal.feed_token_hash = feed_digest(token)
    return token


def revoke_feed_token(calendar_id: int, *, actor: Actor) -> None:
    """Switch the feed off."""
    cal, view = get_calendar(calendar_id, actor=actor)
    if view != Visibility.FULL:
        raise NotFound(f"No calendar {calendar_id}")
    cal.feed_token_hash = None


def calendar_by_feed_token(token: str) -> Calendar | None:
    """The calendar whose feed this secret opens, if any."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Calendar).where(Calendar.feed_token_hash == feed_digest(token)))
