"""Radicale storage plugin over Flowdesk's tables (loaded by name from calendars/dav.py).

Paths: "" the root, "<e-mail>" a person's principal, "<e-mail>/<calendar id>" each calendar
the person sees in full (own, workgroups', external), "<e-mail>/<calendar id>/<name>.ics" an
event. Radicale's owner_only rights keep everybody under their own e-mail; writes go through
calendars.services.dav_items (rights, domain events, sync flags) in the request's unit of work.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime

from radicale import item as radicale_item
from radicale import pathutils, storage
from sqlalchemy import func, select

from calendars.models import Calendar, CalendarEvent
from calendars.services.calendars import list_calendars
from calendars.services.dav_items import delete_href, event_by_href, put_event
from calendars.states import Visibility
from extensions import db
from org.models import User, utcnow

CALENDAR_META = {"tag": "VCALENDAR", "C:supported-calendar-component-set": "VEVENT"}


def _user(email: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    return user if user is not None and user.is_active else None


def _http_date(value: datetime) -> str:
    return format_datetime(value.replace(tzinfo=UTC), usegmt=True)


class Node(storage.BaseCollection):
    """The root or a principal: no items, no properties of its own."""

    def __init__(self, path: str) -> None:
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def get_multi(self, hrefs: Iterable[str]) -> Iterable[tuple[str, radicale_item.Item | None]]:
        return [(href, None) for href in hrefs]

    def get_all(self) -> Iterable[radicale_item.Item]:
        return []

    def get_meta(self, key: str | None = None) -> Mapping[str, str] | str | None:
        return {} if key is None else None

    def set_meta(self, props: Mapping[str, str]) -> None:
        raise PermissionError("Properties cannot be changed here")

    @property
    def last_modified(self) -> str:
        return _http_date(utcnow())


class CalendarCollection(storage.BaseCollection):
    """One Flowdesk calendar, seen by its owner (the principal in the path)."""

    def __init__(self, owner: User, cal: Calendar) -> None:
        self.user, self.cal = owner, cal

    @property
    def path(self) -> str:
        return f"{self.user.email.lower()}/{self.cal.id}"

    @property
    def etag(self) -> str:
        return f'"{self.cal.id}-{self.cal.version}"'

    def _item(self, event: CalendarEvent) -> radicale_item.Item:
        return radicale_item.Item(collection=self, href=event.dav_href, text=event.ical,
                                  etag=f'"{event.etag}"', last_modified=_http_date(event.updated_at),
                                  uid=event.uid, component_name="VEVENT", name="VCALENDAR")

    def get_multi(self, hrefs: Iterable[str]) -> Iterable[tuple[str, radicale_item.Item | None]]:
        out = []
        for href in hrefs:
            event = event_by_href(self.cal.id, href)
            out.append((href, self._item(event) if event is not None and event.ical else None))
        return out

    def get_all(self) -> Iterable[radicale_item.Item]:
        events = db.session.scalars(select(CalendarEvent).where(
            CalendarEvent.calendar_id == self.cal.id, CalendarEvent.deleted_at.is_(None),
            CalendarEvent.dav_href.is_not(None)).order_by(CalendarEvent.id))
        return [self._item(e) for e in events if e.ical]

    def has_uid(self, uid: str) -> bool:
        return db.session.scalar(select(CalendarEvent.id).where(
            CalendarEvent.calendar_id == self.cal.id, CalendarEvent.uid == uid,
            CalendarEvent.deleted_at.is_(None))) is not None

    def upload(self, href: str, item: radicale_item.Item
               ) -> tuple[radicale_item.Item, radicale_item.Item | None]:
        old = event_by_href(self.cal.id, href)
        old_item = self._item(old) if old is not None else None
        event = put_event(self.cal, href, item.serialize(), actor=self.user)
        return self._item(event), old_item

    def delete(self, href: str | None = None) -> None:
        if href is None:
            raise PermissionError("Calendars are removed in Flowdesk, not over CalDAV")
        delete_href(self.cal, href, actor=self.user)

    def get_meta(self, key: str | None = None) -> Mapping[str, str] | str | None:
        meta = {**CALENDAR_META, "D:displayname": self.cal.name, "ICAL:calendar-color": self.cal.color}
        return meta if key is None else meta.get(key)

    def set_meta(self, props: Mapping[str, str]) -> None:
        raise PermissionError("Calendar properties are changed in Flowdesk")

    @property
    def last_modified(self) -> str:
        newest = db.session.scalar(select(func.max(CalendarEvent.updated_at)).where(
            CalendarEvent.calendar_id == self.cal.id)) or self.cal.created_at
        return _http_date(newest)


def _calendars(user: User) -> dict[str, Calendar]:
    return {str(c.id): c for c, view in list_calendars(actor=user) if view == Visibility.FULL}


class Storage(storage.BaseStorage):
    def discover(self, path: str, depth: str = "0", child_context_manager=None,  # noqa: ANN001
                 user_groups: set[str] = frozenset()) -> Iterator:
        parts = [p for p in pathutils.strip_path(path).split("/") if p]
        if not parts:
            yield Node("")
            return
        user = _user(parts[0])
        if user is None:
            return
        if len(parts) == 1:
            yield Node(user.email.lower())
            if depth != "0":
                yield from (CalendarCollection(user, c) for c in _calendars(user).values())
            return
        cal = _calendars(user).get(parts[1]) if len(parts) <= 3 else None
        if cal is None:
            return
        collection = CalendarCollection(user, cal)
        if len(parts) == 3:
            yield from (i for _h, i in collection.get_multi([parts[2]]) if i is not None)
            return
        yield collection
        if depth != "0":
            yield from collection.get_all()

    def move(self, item: radicale_item.Item, to_collection: storage.BaseCollection, to_href: str) -> None:
        raise PermissionError("Moving events between calendars is done in Flowdesk")

    def create_collection(self, href: str, items=None, props=None):  # noqa: ANN001
        """Principals exist for every person; new calendars are not made over CalDAV."""
        parts = [p for p in pathutils.strip_path(href).split("/") if p]
        if len(parts) == 1 and _user(parts[0]) is not None and not props:
            return Node(parts[0]), {}, []
        raise PermissionError("Calendars are created in Flowdesk, not over CalDAV")

    @contextlib.contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args: object, **kwargs: object) -> Iterator[None]:
        yield  # the database's transactions do the locking

    def verify(self) -> bool:
        return True
