"""Who sees what of a calendar: everything (owner, workgroup members, admin mode), or busy
times only (everyone else). Private events show as busy to all but their organizer, the
calendar's owner and their attendees."""
from __future__ import annotations

from calendars.models import Calendar, CalendarEvent
from calendars.states import CalendarKind, Visibility
from crm import access
from errors import Forbidden
from org.actors import Actor, actor_user
from org.admin import acts_as_admin


def calendar_visibility(calendar: Calendar, actor: Actor) -> Visibility:
    """FULL for the owner, the workgroup's members and administrators; BUSY for the rest."""
    if acts_as_admin(actor):
        return Visibility.FULL
    user_id = actor_user(actor).id
    if calendar.kind == CalendarKind.WORKGROUP:
        return Visibility.FULL if calendar.workgroup_id in my_workgroup_ids(actor) else Visibility.BUSY
    return Visibility.FULL if calendar.owner_id == user_id else Visibility.BUSY


def require_writable(calendar: Calendar, actor: Actor) -> None:
    """Only those who see a calendar in full add or change its events."""
    if calendar_visibility(calendar, actor) != Visibility.FULL:
        raise Forbidden("You may only see the busy times of this calendar")


def event_visibility(event: CalendarEvent, actor: Actor, calendar_view: Visibility) -> Visibility:
    """What the actor sees of one event, given what they see of its calendar."""
    user_id = actor_user(actor).id
    if any(a.user_id == user_id for a in event.attendees):
        return Visibility.FULL  # invited: the event is in their own calendar too
    if calendar_view != Visibility.FULL:
        return Visibility.BUSY
    if event.private and not acts_as_admin(actor) and user_id not in (
            event.organizer_id, event.calendar.owner_id):
        return Visibility.BUSY
    return Visibility.FULL


def my_workgroup_ids(actor: Actor) -> tuple[int, ...]:
    """The actor's workgroups as the CRM's rights read them: kept across requests while the
    rights epoch stands (a month view asks once per workgroup calendar), read afresh outside one."""
    return access.rights_of(actor_user(actor)).workgroup_ids or ()
