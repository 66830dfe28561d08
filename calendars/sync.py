"""Two-way sync of one external calendar: pull what changed on the server (by ctag and
ETags), push what changed here, deletions both ways, conflicts newest-wins into the log.

A failure (server down, wrong password, garbage) leaves the local copy as it was: the
pulled changes are applied in a savepoint that is rolled back, and the error is written
on the external calendar. Runs in the caller's unit of work and never commits.
"""
from __future__ import annotations

import logging
import uuid
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


def sync_external(external_id: int) -> ExternalCalendar | None:
    """Sync one external calendar now; returns it with its state (None if it is gone)."""
    row = _claim(external_id)
    if row is None:
        return db.session.get(ExternalCalendar, external_id)  # gone, or another worker syncs it
    counts = Counts()
    try:
        with db.session.begin_nested():
            _sync(row, counts)
    except (dav.SyncFailed, SecretUnreadable) as exc:
        _failed(row, str(exc))
    except Exception as exc:  # caldav and niquests raise many types; the message must be safe
        log.info("sync of external calendar %s failed: %r", row.id, exc)
        _failed(row, _safe_message(exc))
    else:
        row.state, row.last_error, row.last_success_at = SyncState.OK, None, utcnow()
        if counts:
            note(row, "sync", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    row.last_sync_at = utcnow()
    return row


def _claim(external_id: int) -> ExternalCalendar | None:
    """The row, locked for this sync (PostgreSQL: None while another worker has it; SQLite
    serialises writers anyway), so beat and "sync now" never push the same change twice."""
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


def _sync(row: ExternalCalendar, counts: Counts) -> None:
    client = dav.connect(row.url, row.username, decrypt(row.password_enc))
    if not row.resolved_url:
        row.resolved_url = dav.discover(client, row.url)
    url = row.resolved_url
    head = dav.listing(client, url, depth=0)  # one cheap request when nothing changed anywhere
    unchanged = head.ctag is not None and (head.ctag, head.sync_token) == (row.ctag, row.sync_token)
    if unchanged and not _dirty(row):
        return
    if not unchanged:
        delta = dav.changes(client, url, row.sync_token) if row.sync_token else None
        remote = delta or dav.listing(client, url)
        locals_ = list(db.session.scalars(
            select(CalendarEvent).where(CalendarEvent.calendar_id == row.calendar_id)))
        _pull(client, row, remote, {e.remote_href: e for e in locals_ if e.remote_href}, locals_, counts)
    no_etag = _push(client, row, counts)
    if no_etag:  # the server did not say the new ETags: read them
        etags = dav.listing(client, url).etags
        for event in no_etag:
            event.remote_etag = etags.get(event.remote_href)
    # After writing, the server's ctag also covers our own writes; a change someone else made
    # meanwhile must not hide behind it: the next sync asks for the changes since `head` (our
    # own writes come back with the ETags we already hold and are skipped).
    pushed = counts.get("pushed") or counts.get("deleted there")
    row.ctag, row.sync_token = None if pushed else head.ctag, head.sync_token


def _dirty(row: ExternalCalendar) -> bool:
    return db.session.scalar(select(CalendarEvent.id).where(
        CalendarEvent.calendar_id == row.calendar_id, CalendarEvent.dirty.is_(True)).limit(1)) is not None


def _pull(client, row: ExternalCalendar, remote: dav.Listing, by_href: dict,  # noqa: ANN001
          locals_: list[CalendarEvent], counts: Counts) -> None:
    changed = [h for h, etag in remote.etags.items() if h not in by_href or by_href[h].remote_etag != etag]
    fetched = dav.fetch(client, row.resolved_url, changed)
    by_uid = {e.uid: e for e in locals_}
    for href, (etag, text) in fetched.items():
        try:
            data = ical.read(text)
        except ical.BadCalendarData as exc:
            note(row, "error", f"{href}: skipped, {exc}")
            continue
        event = by_href.get(href) or by_uid.get(data.uid)
        if event is not None and event.dirty and not _remote_is_newer(event, data):
            note(row, "conflict", f"{event.title!r}: changed on both sides; this copy is newer and "
                                  "replaces the server's")
            event.remote_href, event.remote_etag = href, etag
            continue
        if event is not None and event.dirty:
            note(row, "conflict", f"{data.title!r}: changed on both sides; the server's copy is newer "
                                  "and replaces this one")
        _store(row, event, href, etag, text, data)
        counts.add("pulled")
    gone = set(by_href) - set(remote.etags) if remote.removed is None else remote.removed & set(by_href)
    for href in sorted(gone):
        event = by_href[href]
        if event.deleted_at is not None:
            continue
        if event.dirty:
            note(row, "conflict", f"{event.title!r}: deleted on the server but changed here; kept "
                                  "and written back")
            event.remote_href = event.remote_etag = None
            continue
        db.session.delete(event)
        counts.add("deleted here")


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


def _push(client, row: ExternalCalendar, counts: Counts) -> list[CalendarEvent]:  # noqa: ANN001
    """Write what changed here; returns the events the server gave no ETag for."""
    dirty = list(db.session.scalars(select(CalendarEvent).where(
        CalendarEvent.calendar_id == row.calendar_id, CalendarEvent.dirty.is_(True))))
    no_etag = []
    for event in dirty:
        if event.deleted_at is not None:
            if event.remote_href:
                dav.delete(client, row.resolved_url, event.remote_href, event.remote_etag)
                counts.add("deleted there")
            db.session.delete(event)
            continue
        href = event.remote_href or _new_href(row.resolved_url, event.uid)
        try:
            etag = dav.put(client, row.resolved_url, href, event.ical, event.remote_etag)
        except dav.SyncFailed as exc:
            if str(exc) != "412":
                raise
            note(row, "conflict", f"{event.title!r}: changed on the server during the sync; "
                                  "tried again next time")
            continue
        event.remote_href, event.remote_etag, event.dirty = href, etag, False
        counts.add("pushed")
        if etag is None:
            no_etag.append(event)
    return no_etag


def _new_href(collection_url: str, uid: str) -> str:
    return unquote(urlsplit(collection_url).path).rstrip("/") + "/" + ical.resource_name(uid)
