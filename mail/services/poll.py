"""Polling the CRM mailbox incrementally: by UID past a stored cursor, in committed batches.

Per folder the cursor keeps (UIDVALIDITY, last UID). A changed UIDVALIDITY resets it to 0:
every message is read again and deduplication -- (mailbox, folder, UIDVALIDITY, UID) in
mail_seen, then Message-ID + content hash in mail_message -- keeps each logged once. Sizes are
fetched first; messages over MAIL_MAX_BYTES are never fetched whole (their headers only).
Bodies are fetched with BODY.PEEK (nothing changes on the server while reading), each message
is filed in its own savepoint, the batch and the cursor are committed together, and only then
are the messages flagged \\Seen and $Flowdesk on the server. A server that fails is retried
with exponential backoff; its state and last error are kept on the mailbox row.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from mail import imap
from mail.config import setting
from mail.models import Mailbox, MailCursor, MailMessage
from mail.services.ingest import OUTER_SAVEPOINT, process, seen_uids, too_large
from mail.services.matching import remember_portal_users
from mail.services.store import failed_row
from mail.states import MailboxKind, MailboxState, MessageStatus
from org.models import utcnow
from org.rows import get_or_create

log = logging.getLogger(__name__)
FLAGS = (b"\\Seen", b"$Flowdesk")
FETCH_BYTES = 16 * 1024 * 1024  # bodies per FETCH command


def lease(box_id: int, now: datetime) -> bool:
    """Take the mailbox's poll lease; False while another poll holds it."""
    until = now + timedelta(seconds=float(setting("MAIL_LEASE_SECONDS")))
    result = db.session.execute(update(Mailbox).where(
        Mailbox.id == box_id, or_(Mailbox.lease_until.is_(None), Mailbox.lease_until < now))
        .values(lease_until=until))
    db.session.commit()
    return result.rowcount == 1


def release(box: Mailbox) -> None:
    """Give the poll lease back."""
    box.lease_until = None
    db.session.commit()


def poll_mailbox(box_id: int, *, now: datetime | None = None, force: bool = False) -> dict:
    """Read what is new in the mailbox's folder; a summary of what happened."""
    now = now or utcnow()
    box = db.session.get(Mailbox, box_id)
    if box is None or not box.host or not box.enabled:
        return {"skipped": "not configured"}
    if not force and box.next_attempt_at is not None and box.next_attempt_at > now:
        return {"skipped": "backoff", "next_attempt_at": box.next_attempt_at.isoformat()}
    if not lease(box.id, now):
        return {"skipped": "busy"}
    summary = {"new": 0, "seen": 0, "failed": 0}
    remember_portal_users(True)
    try:
        with imap.connect(box) as client:
            info = imap.select(client, box.folder)
            read_folder(client, box, box.folder, int(info[b"UIDVALIDITY"]), summary)
    except (imap.MailboxUnavailable, *imap.NETWORK_ERRORS) as exc:
        db.session.rollback()
        record_failure(box, str(exc) or type(exc).__name__, now)
        return {**summary, "state": "error", "error": box.last_error}
    except Exception:
        db.session.rollback()
        release(box)
        raise
    finally:
        remember_portal_users(False)
    record_success(box, utcnow())
    return {**summary, "state": MailboxState.OK}


def cursor_for(box: Mailbox, folder: str, uidvalidity: int) -> MailCursor:
    """The folder's cursor; reset to 0 when the server's UIDVALIDITY changed."""
    cursor, created = get_or_create(MailCursor, mailbox_id=box.id, folder=folder,
                                    defaults={"uidvalidity": uidvalidity, "last_uid": 0})
    if not created and cursor.uidvalidity != uidvalidity:
        log.warning("mailbox %s folder %r: UIDVALIDITY %s -> %s, reading it again (dedup keeps it single)",
                    box.id, folder, cursor.uidvalidity, uidvalidity)
        cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
    return cursor


def read_folder(client: object, box: Mailbox, folder: str, uidvalidity: int, summary: dict) -> None:
    """Process every UID past the cursor, batch by batch (each batch one commit, then flags)."""
    cursor = cursor_for(box, folder, uidvalidity)
    uids = sorted(u for u in client.search(["UID", f"{cursor.last_uid + 1}:*"]) if u > cursor.last_uid)
    box.backfill_total, box.backfill_done = len(uids), 0
    db.session.commit()
    size = max(int(setting("MAIL_POLL_BATCH")), 1)
    for start in range(0, len(uids), size):
        batch = uids[start:start + size]
        box.lease_until = utcnow() + timedelta(seconds=float(setting("MAIL_LEASE_SECONDS")))
        _batch(client, box, folder, uidvalidity, batch, summary)
        cursor.last_uid = batch[-1]
        box.backfill_done += len(batch)
        db.session.commit()
        mark_processed(client, batch)


def _batch(client: object, box: Mailbox, folder: str, uidvalidity: int, batch: list[int],
           summary: dict) -> None:
    done = seen_uids(box, folder, uidvalidity, batch)
    summary["seen"] += len(done)
    todo = [u for u in batch if u not in done]
    if not todo:
        return
    sizes = {u: int(d.get(b"RFC822.SIZE", 0)) for u, d in client.fetch(todo, ["RFC822.SIZE"]).items()}
    todo = [u for u in todo if u in sizes]  # expunged meanwhile: gone
    big = [u for u in todo if too_large(sizes[u])]
    headers = {u: d.get(b"BODY[HEADER]")
               for u, d in client.fetch(big, ["BODY.PEEK[HEADER]"]).items()} if big else {}
    for chunk in _chunks([u for u in todo if u not in big], sizes):
        bodies = {u: d.get(b"BODY[]") for u, d in client.fetch(chunk, ["BODY.PEEK[]"]).items()}
        for uid in chunk:
            _one(box, folder, uidvalidity, uid, sizes[uid], bodies.get(uid), None, summary)
    for uid in big:
        _one(box, folder, uidvalidity, uid, sizes[uid], None, headers.get(uid), summary)


def _chunks(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """UIDs grouped so that one FETCH brings at most FETCH_BYTES of bodies."""
    chunks, current, total = [], [], 0
    for uid in uids:
        if current and total + sizes[uid] > FETCH_BYTES:
            chunks.append(current)
            current, total = [], 0
        current.append(uid)
        total += sizes[uid]
    return chunks + ([current] if current else [])


def _one(box: Mailbox, folder: str, uidvalidity: int, uid: int, size: int, raw: bytes | None,
         raw_headers: bytes | None, summary: dict) -> None:
    """One message in its own savepoint; a failure it causes becomes failed mail, never a lost one."""
    try:
        row = _filed(box, folder, uidvalidity, uid, size, raw, raw_headers)
    except Exception as exc:
        log.exception("mailbox %s: message UID %s could not be filed", box.id, uid)
        with db.session.begin_nested():
            row = failed_row(box, f"Internal error while filing the message: {type(exc).__name__}: {exc}",
                             folder=folder, uidvalidity=uidvalidity, uid=uid, size=size, raw=raw)
            from mail.models import MailSeen

            db.session.add(MailSeen(mailbox_id=box.id, folder=folder, uidvalidity=uidvalidity, uid=uid,
                                    mail_id=row.id))
    summary["failed" if row.status == MessageStatus.FAILED else "new"] += 1


def _filed(box: Mailbox, folder: str, uidvalidity: int, uid: int, size: int, raw: bytes | None,
           raw_headers: bytes | None) -> MailMessage:
    """process() in a savepoint; a duplicate another worker filed meanwhile is found on the retry."""
    db.session.info[OUTER_SAVEPOINT] = True
    try:
        for attempt in (0, 1):
            try:
                with db.session.begin_nested():
                    return process(box, folder, uidvalidity, uid, size=size, raw=raw, raw_headers=raw_headers)
            except IntegrityError:
                if attempt:
                    raise
    finally:
        db.session.info.pop(OUTER_SAVEPOINT, None)


def mark_processed(client: object, uids: list[int]) -> None:
    """Flag committed messages on the server (\\Seen and, where keywords are allowed, $Flowdesk)."""
    try:
        client.add_flags(uids, list(FLAGS), silent=True)
    except imap.NETWORK_ERRORS:
        client.add_flags(uids, [FLAGS[0]], silent=True)


def record_failure(box: Mailbox, error: str, now: datetime) -> None:
    """State "error", the message, and the next attempt after an exponential backoff."""
    box = db.session.get(Mailbox, box.id)
    box.failures += 1
    delay = min(float(setting("MAIL_BACKOFF_BASE")) * 2 ** (box.failures - 1),
                float(setting("MAIL_BACKOFF_MAX")))
    box.state, box.last_error, box.last_poll_at = MailboxState.ERROR, error[:2000], now
    box.next_attempt_at, box.lease_until = now + timedelta(seconds=delay), None
    db.session.commit()
    log.warning("mailbox %s: %s (attempt %s, next in %.0f s)", box.id, error, box.failures, delay)


def record_success(box: Mailbox, now: datetime) -> None:
    """State "ok": the failure count, last error and backoff cleared."""
    box.state, box.last_error, box.failures = MailboxState.OK, "", 0
    box.next_attempt_at, box.last_poll_at, box.last_success_at, box.lease_until = None, now, now, None
    db.session.commit()


def due_mailboxes(now: datetime) -> list[int]:
    """The CRM mailbox when a poll is due (its backoff over)."""
    return list(db.session.scalars(select(Mailbox.id).where(
        Mailbox.kind == MailboxKind.CRM, Mailbox.enabled.is_(True), Mailbox.host != "",
        or_(Mailbox.next_attempt_at.is_(None), Mailbox.next_attempt_at <= now))))
