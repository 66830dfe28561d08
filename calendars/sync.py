"""Two-way sync of one external calendar: pull what changed on the server (by ctag and
ETags), push what changed here, deletions both ways, conflicts newest-wins into the log.

Nothing is written while the server is talked to: the sync first gathers what it will
write (a `Plan`: the server's copies to store, the local rows to delete, what was pushed),
then writes it in one short savepoint. On SQLite a write takes the database's one write lock;
a savepoint around the whole sync held it through every request to the server (up to 20 s
each), so every other writer of the platform waited behind a slow CalDAV server.

A failure (server down, wrong password, garbage, rows that cannot be stored) leaves the local
copy as it was and writes the error on the external calendar. Two syncs of one calendar are
kept apart by the row lock on PostgreSQL (`_claim`); on SQLite the one that writes second finds
that the other finished meanwhile and drops its own result (`_moved_on`). Runs in the
caller's unit of work and never commits.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import partial
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from calendars import caldav_client as dav
from calendars import ical
from calendars.models import CalendarEvent, ExternalCalendar, SyncLogEntry
from calendars.services.calendars import touch
from calendars.states import SyncState
from extensions import db
from mail.crypto import SecretUnreadable, decrypt
from org.models import utcnow

log = logging.getLogger(__name__)


class Counts(dict):
    def add(self, name: str) -> None:
        self[name] = self.get(name, 0) + 1


def note(row: ExternalCalendar, kind: str, message: str) -> None:
    db.session.add(SyncLogEntry(external_id=row.id, kind=kind, message=message[:2000]))


class Plan:
    """What a sync writes, gathered while it talks to the server (written by `apply`)."""

    def __init__(self, row: ExternalCalendar) -> None:
        self.row, self.counts = row, Counts()
        self.ops: list[tuple[int | None, Callable[[], object]]] = []  # (event id it changes, op)
        self.seen: dict[int, str] = {}  # event id -> its ETag when the sync read it
        self.links: dict[int, tuple[str | None, str | None]] = {}  # event id -> href, ETag to push from
        self.replaced: set[int] = set()  # local events the server's copy replaces (not pushed)
        self.tags: tuple[str | None, str | None] | None = None  # the server's ctag, sync token

    def read(self, events: list[CalendarEvent]) -> list[CalendarEvent]:
        """Note the ETags of local events as read, before anything is asked of the server."""
        for event in events:
            self.seen.setdefault(event.id, event.etag)
        return events

    def later(self, fn: Callable[..., object], *args: object, event: CalendarEvent | None = None) -> None:
        """Do `fn(*args)` at `apply`; one that changes a local `event` only if it is unchanged by then."""
        self.ops.append((event.id if event is not None else None, partial(fn, *args)))

    def note(self, kind: str, message: str) -> None:
        self.later(note, self.row, kind, message)

    def apply(self) -> None:
        """Write it, inside the caller's savepoint (a row that cannot be stored fails the sync). An
        event changed here while the server was asked (someone edited it meanwhile) is left as it
        is now, for the next sync: what was decided from its older copy would undo that edit."""
        changed = _changed_since(self.seen)
        for event_id, op in self.ops:
            if event_id is None or event_id not in changed:
                op()
        for event_id in sorted(changed):
            note(self.row, "conflict", f"event {event_id}: changed here during the sync; synced next time")
        if self.tags is not None and not changed:  # else the next sync asks again since the last tags
            self.row.ctag, self.row.sync_token = self.tags
        db.session.flush()


def _changed_since(seen: dict[int, str]) -> set[int]:
    """Of the events read at `seen` ETags, those changed or deleted since (PostgreSQL: the others
    locked until the commit; SQLite: the savepoint holds the write lock)."""
    if not seen:
        return set()
    query = select(CalendarEvent.id, CalendarEvent.etag).where(CalendarEvent.id.in_(list(seen)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    now = dict(db.session.execute(query).all())
    return {event_id for event_id, etag in seen.items() if now.get(event_id) != etag}


def sync_external(external_id: int) -> ExternalCalendar | None:
    """Sync one external calendar now; returns it with its state (None if it is gone)."""
    row = _claim(external_id)
    if row is None:
        return db.session.get(ExternalCalendar, external_id)  # gone, or another worker syncs it
    plan, seen = Plan(row), row.last_sync_at
    try:
        _sync(row, plan)
        with db.session.begin_nested():  # SQLite: the write lock from here to the caller's commit
            if _moved_on(row, seen):
                raise _Superseded
            plan.apply()
    except _Superseded:
        db.session.refresh(row)
        return row
    except (dav.SyncFailed, SecretUnreadable) as exc:
        _failed(row, str(exc))
    except Exception as exc:  # caldav and niquests raise many types; the message must be safe
        log.info("sync of external calendar %s failed: %r", row.id, exc)
        _failed(row, _safe_message(exc))
    else:
        row.state, row.last_error, row.last_success_at = SyncState.OK, None, utcnow()
        if plan.counts:
            note(row, "sync", ", ".join(f"{k} {v}" for k, v in sorted(plan.counts.items())))
    row.last_sync_at = utcnow()
    return row


class _Superseded(Exception):
    """Another sync of the calendar stored its result while this one talked to the server."""


def _moved_on(row: ExternalCalendar, seen: object) -> bool:
    """Whether another sync finished since `row` was claimed (read afresh under the write lock)."""
    table = ExternalCalendar.__table__
    return db.session.execute(select(table.c.last_sync_at).where(table.c.id == row.id)).scalar() != seen


def _claim(external_id: int) -> ExternalCalendar | None:
    """The row, locked for this sync (PostgreSQL: None while another worker has it; on SQLite the
    later of two syncs drops its result, `_moved_on`), so beat and "sync now" never push the same
    change twice."""
    query = select(ExternalCalendar).where(ExternalCalendar.id == external_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def _safe_message(exc: Exception) -> str:
    name = type(exc).__name__
    if "Authorization" in name or "Unauthorized" in name:
        return "The server refused the user name or password"
    if "Connection" in name or "Timeout" in name or isinstance(exc, OSError):
        return "Cannot connect to the server"
    return "The server did not answer as a CalDAV server"


def _failed(row: ExternalCalendar, message: str) -> None:
    row.state, row.last_error = SyncState.ERROR, message
    note(row, "error", message)


def _sync(row: ExternalCalendar, plan: Plan) -> None:
    """Talk to the server: pull, push; what to write goes into `plan`."""
    client = dav.connect(row.url, row.username, decrypt(row.password_enc))
    url = row.resolved_url or dav.discover(client, row.url)
    if url != row.resolved_url:
        plan.later(setattr, row, "resolved_url", url)
    head = dav.listing(client, url, depth=0)  # one cheap request when nothing changed anywhere
    unchanged = head.ctag is not None and (head.ctag, head.sync_token) == (row.ctag, row.sync_token)
    if unchanged and not _dirty(row):
        return
    if not unchanged:
        delta = dav.changes(client, url, row.sync_token) if row.sync_token else None
        remote = delta or dav.listing(client, url)
        locals_ = plan.read(list(db.session.scalars(
            select(CalendarEvent).where(CalendarEvent.calendar_id == row.calendar_id))))
        _pull(client, url, plan, remote, {e.remote_href: e for e in locals_ if e.remote_href}, locals_)
    no_etag = _push(client, url, plan)
    if no_etag:  # the server did not say the new ETags: read them
        etags = dav.listing(client, url).etags
        for event, href in no_etag:
            plan.later(setattr, event, "remote_etag", etags.get(href), event=event)
    # After writing, the server's ctag also covers our own writes; a change someone else made
    # meanwhile must not hide behind it: the next sync asks for the changes since `head` (our
    # own writes come back with the ETags we already hold and are skipped).
    pushed = plan.counts.get("pushed") or plan.counts.get("deleted there")
    plan.tags = (None if pushed else head.ctag, head.sync_token)


def _dirty(row: ExternalCalendar) -> bool:
    return db.session.scalar(select(CalendarEvent.id).where(
        CalendarEvent.calendar_id == row.calendar_id, CalendarEvent.dirty.is_(True)).limit(1)) is not None


def _pull(client, url: str, plan: Plan, remote: dav.Listing, by_href: dict,  # noqa: ANN001
          locals_: list[CalendarEvent]) -> None:
    changed = [h for h, etag in remote.etags.items() if h not in by_href or by_href[h].remote_etag != etag]
    fetched = dav.fetch(client, url, changed)
    by_uid = {e.uid: e for e in locals_}
    for href, (etag, text) in fetched.items():
        try:
            data = ical.read(text)
        except ical.BadCalendarData as exc:
            plan.note("error", f"{href}: skipped, {exc}")
            continue
        event = by_href.get(href) or by_uid.get(data.uid)
        if event is not None and event.dirty and not _remote_is_newer(event, data):
            plan.note("conflict", f"{event.title!r}: changed on both sides; this copy is newer and "
                                  "replaces the server's")
            _relink(plan, event, href, etag)
            continue
        if event is not None and event.dirty:
            plan.note("conflict", f"{data.title!r}: changed on both sides; the server's copy is newer "
                                  "and replaces this one")
        if event is not None:
            plan.replaced.add(event.id)
        plan.later(_store, plan.row, event, href, etag, text, data, event=event)
        plan.counts.add("pulled")
    gone = set(by_href) - set(remote.etags) if remote.removed is None else remote.removed & set(by_href)
    for href in sorted(gone):
        event = by_href[href]
        if event.deleted_at is not None:
            continue
        if event.dirty:
            plan.note("conflict", f"{event.title!r}: deleted on the server but changed here; kept "
                                  "and written back")
            _relink(plan, event, None, None)
            continue
        plan.later(db.session.delete, event, event=event)
        plan.counts.add("deleted here")


def _relink(plan: Plan, event: CalendarEvent, href: str | None, etag: str | None) -> None:
    """A local change kept against the server's: pushed from the server's current href and ETag."""
    plan.links[event.id] = (href, etag)
    plan.later(setattr, event, "remote_href", href, event=event)
    plan.later(setattr, event, "remote_etag", etag, event=event)


def _remote_is_newer(event: CalendarEvent, data: ical.EventData) -> bool:
    return data.last_modified is not None and data.last_modified > event.updated_at


def _store(row: ExternalCalendar, event: CalendarEvent | None, href: str, etag: str, text: str,
           data: ical.EventData) -> None:
    if event is None:
        event = CalendarEvent(calendar_id=row.calendar_id, uid=data.uid, reminders=[],
                              dav_href=ical.resource_name(data.uid))
        db.session.add(event)
    for name in ("title", "start_at", "end_at", "all_day", "timezone", "description", "location",
                 "private", "rrule"):
        setattr(event, name, getattr(data, name))
    event.reminders, event.exdates = list(data.reminders), ical.iso_list(data.exdates)
    event.until_at = ical.last_end(data)
    event.ical, event.remote_href, event.remote_etag = text, href, etag
    event.etag, event.dirty, event.deleted_at = uuid.uuid4().hex, False, None
    event.updated_at = data.last_modified or utcnow()
    touch(row.calendar)


def _push(client, url: str, plan: Plan) -> list[tuple[CalendarEvent, str]]:  # noqa: ANN001
    """Write what changed here; returns the events (and hrefs) the server gave no ETag for."""
    dirty = plan.read(list(db.session.scalars(select(CalendarEvent).where(
        CalendarEvent.calendar_id == plan.row.calendar_id, CalendarEvent.dirty.is_(True)))))
    no_etag = []
    for event in dirty:
        if event.id in plan.replaced:  # the pull takes the server's newer copy instead
            continue
        href, etag = plan.links.get(event.id, (event.remote_href, event.remote_etag))
        if event.deleted_at is not None:
            if href:
                dav.delete(client, url, href, etag)
                plan.counts.add("deleted there")
            plan.later(db.session.delete, event, event=event)
            continue
        href = href or _new_href(url, event.uid)
        try:
            etag = dav.put(client, url, href, event.ical, etag)
        except dav.SyncFailed as exc:
            if str(exc) != "412":
                raise
            plan.note("conflict", f"{event.title!r}: changed on the server during the sync; "
                                  "tried again next time")
            continue
        plan.later(_pushed, event, href, etag, event=event)
        plan.counts.add("pushed")
        if etag is None:
            no_etag.append((event, href))
    return no_etag


def _pushed(event: CalendarEvent, href: str, etag: str | None) -> None:
    event.remote_href, event.remote_etag, event.dirty = href, etag, False


def _new_href(collection_url: str, uid: str) -> str:
    return unquote(urlsplit(collection_url).path).rstrip("/") + "/" + ical.resource_name(uid)
