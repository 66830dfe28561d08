"""One received message from its raw bytes to rows: parsed under limits, deduplicated, filed.

`process` runs inside a savepoint of the poll's batch transaction; it never raises for a bad
message (that becomes failed mail with the reason), only for database trouble.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from mail.config import setting
from mail.models import Mailbox, MailMessage, MailSeen
from mail.parse import Parsed, ParseFailure, parse, parse_headers
from mail.services.store import existing, failed_row, file_message, fill
from mail.states import MailboxKind, MessageStatus

# Set while the poll files a message in its own savepoint (one savepoint per message, not two).
OUTER_SAVEPOINT = "mail_outer_savepoint"


def too_large(size: int) -> str | None:
    """Why a message of `size` bytes is not fetched (MAIL_MAX_BYTES), or None."""
    limit = int(setting("MAIL_MAX_BYTES"))
    if size > limit:
        return f"The message is {size:,} bytes, over the limit of {limit:,} (MAIL_MAX_BYTES)"
    return None


def process(box: Mailbox, folder: str, uidvalidity: int, uid: int, *, size: int,
            raw: bytes | None, raw_headers: bytes | None = None) -> MailMessage:
    """File one fetched message (or, with raw=None, an oversized one) and remember its UID."""
    reason = too_large(size) if raw is None else None
    location = {"folder": folder, "uidvalidity": uidvalidity, "uid": uid, "size": size}
    if raw is None:
        headers = parse_headers(raw_headers or b"")
        key = failure_key(f"{headers.message_id}|{headers.from_addr}|{headers.subject}|{size}".encode())
        row = failed_once(key) or failed_row(box, reason or "The message could not be fetched",
                                             headers=headers, key=key, **location)
    else:
        row = ingest_bytes(box, raw, location)
    db.session.add(MailSeen(mailbox_id=box.id, folder=folder, uidvalidity=uidvalidity, uid=uid,
                            mail_id=row.id))
    return row


def ingest_bytes(box: Mailbox | None, raw: bytes, location: dict, *, source: str = "crm") -> MailMessage:
    """Parse and file raw bytes; the existing row when the same message was seen before."""
    try:
        parsed = parse(raw, max_parts=int(setting("MAIL_MAX_PARTS")))
    except ParseFailure as exc:
        key = failure_key(raw)
        return failed_once(key) or failed_row(
            box, str(exc), headers=parse_headers(raw.split(b"\r\n\r\n", 1)[0][:65536]), raw=raw,
            source=source, key=key, **location)
    return file_parsed(box, parsed, location, source=source)


def file_parsed(box: Mailbox | None, parsed: Parsed, location: dict, *, source: str = "crm",
                logged_by_id: int | None = None) -> MailMessage:
    """A new message row filed on its records; the existing one for a duplicate (a copy with a new
    UID, the same Message-ID in another folder, a re-poll after a UIDVALIDITY change)."""
    found = existing(parsed)
    if found is not None:
        return found
    row = MailMessage(mailbox_id=box.id if box else None, source=source, status=MessageStatus.UNASSIGNED,
                      logged_by_id=logged_by_id, **location)
    if db.session.info.get(OUTER_SAVEPOINT):  # the poll's savepoint undoes it and tries again
        db.session.add(row)
        fill(row, parsed)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(row)
                fill(row, parsed)
        except IntegrityError:  # another worker filed the same message a moment ago
            found = existing(parsed)
            if found is None:
                raise
            return found
    if source == MailboxKind.CRM:
        file_message(row, parsed, box)
    return row


def failure_key(data: bytes) -> str:
    """What identifies a failed message (no Message-ID dedup without a parse): its bytes' hash."""
    return hashlib.sha256(b"failed\x00" + data).hexdigest()


def failed_once(key: str) -> MailMessage | None:
    """The failed-mail row already kept for these bytes (the same message appended twice)."""
    return db.session.scalar(select(MailMessage).where(
        MailMessage.status == MessageStatus.FAILED, MailMessage.content_hash == key).limit(1))


def retry(row: MailMessage) -> MailMessage:
    """Parse a failed message again from the stored bytes (the caller fetched them if none)."""
    raw = row.raw
    parsed_or_reason = _parse_again(raw, row.size)
    if isinstance(parsed_or_reason, str):
        row.reason, row.attempts = parsed_or_reason, row.attempts + 1
        return row
    parsed = parsed_or_reason
    found = existing(parsed)
    if found is not None and found.id != row.id:
        db.session.execute(update(MailSeen).where(MailSeen.mail_id == row.id).values(mail_id=found.id))
        db.session.delete(row)
        return found
    box = db.session.get(Mailbox, row.mailbox_id) if row.mailbox_id else None
    row.attempts += 1
    fill(row, parsed)
    row.size = len(raw)
    if row.source == MailboxKind.CRM:
        file_message(row, parsed, box)
    else:
        row.status = MessageStatus.UNASSIGNED
    return row


def _parse_again(raw: bytes | None, size: int) -> Parsed | str:
    if raw is None:
        return too_large(size) or "The message could not be fetched again"
    reason = too_large(len(raw))
    if reason:
        return reason
    try:
        return parse(raw, max_parts=int(setting("MAIL_MAX_PARTS")))
    except ParseFailure as exc:
        return str(exc)


def seen_uids(box: Mailbox, folder: str, uidvalidity: int, uids: list[int]) -> set[int]:
    """The UIDs of this folder generation already processed."""
    if not uids:
        return set()
    return set(db.session.scalars(select(MailSeen.uid).where(
        MailSeen.mailbox_id == box.id, MailSeen.folder == folder, MailSeen.uidvalidity == uidvalidity,
        MailSeen.uid.in_(uids))))
