"""Keeping received mail: one row per message, its attachments, its entries on records.

Everything here writes in the caller's transaction (the poll commits a batch; a savepoint per
message keeps one bad message from undoing the others).
"""
from __future__ import annotations

import os
import tempfile

from sqlalchemy import select

from crm.event_types import MailEvent
from crm.events import record_event
from crm.serialize import json_value
from crm.services.records import create_record
from crm.services.timeline import add_entry
from extensions import db
from mail.config import attachment_dir
from mail.models import MailAttachment, Mailbox, MailLink, MailMessage
from mail.parse import Attachment, Parsed, clean
from mail.sanitize import sanitize
from mail.services.matching import Target, match
from mail.states import MessageStatus
from org.actors import Actor
from org.services.users import system_user

TIMELINE_BODY_MAX = 20_000


def attachment_path(sha256: str) -> str:
    """Where the bytes with this SHA-256 are stored."""
    return os.path.join(attachment_dir(), sha256[:2], sha256)


def save_attachment_bytes(attachment: Attachment) -> str:
    """Write the bytes once under their SHA-256 (atomically); returns the hash."""
    digest = attachment.sha256
    path = attachment_path(digest)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(attachment.data)
        os.replace(tmp, path)
    return digest


def existing(parsed: Parsed) -> MailMessage | None:
    """The message already kept with the same Message-ID and content."""
    return db.session.scalar(select(MailMessage).where(MailMessage.dedup_key == parsed.dedup_key))


def fill(row: MailMessage, parsed: Parsed) -> None:
    """Set a message row from what was parsed (HTML sanitised, attachments stored)."""
    row.message_id, row.content_hash, row.dedup_key = parsed.message_id, parsed.content_hash, parsed.dedup_key
    row.from_addr, row.from_name = parsed.from_addr[:320], parsed.from_name
    row.to_addrs, row.cc_addrs = parsed.to[:200], parsed.cc[:200]
    row.subject, row.sent_at = parsed.subject, parsed.date
    row.body_text, row.body_html = parsed.text, clean(sanitize(parsed.html))
    row.reason, row.raw = "", None
    db.session.flush()
    row.filled_attachments = []  # not a column: what link_to_record lists without a query
    for position, attachment in enumerate(parsed.attachments):
        stored = MailAttachment(
            mail_id=row.id, filename=clean(attachment.filename, 255) or f"part-{position}",
            content_type=attachment.content_type[:255], size=len(attachment.data),
            sha256=save_attachment_bytes(attachment), content_id=attachment.content_id[:255],
            position=position)
        db.session.add(stored)
        row.filled_attachments.append(stored)


def file_message(row: MailMessage, parsed: Parsed, box: Mailbox | None) -> None:
    """Log a freshly filled message on the records it concerns, or keep it unassigned / make a lead."""
    targets = match(parsed, box) if box is not None else []
    if not targets and box is not None and box.unmatched == "create_lead":
        targets = [Target("lead", _new_lead(parsed).id, "new_lead")]
    row.status = MessageStatus.LOGGED if targets else MessageStatus.UNASSIGNED
    for target in targets:
        link_to_record(row, target.entity, target.record_id, target.rule, actor=None, fresh=True)


def _new_lead(parsed: Parsed) -> object:
    """A lead for unmatched mail, created through the CRM service (so processes trigger)."""
    first, _, last = (parsed.from_name or "").partition(" ")
    title = parsed.subject or f"Mail from {parsed.from_addr or 'an unknown sender'}"
    data = {"title": clean(title, 255), "first_name": clean(first, 100), "last_name": clean(last, 100),
            "source": "E-mail", "emails": [parsed.from_addr] if parsed.from_addr else []}
    return create_record("lead", data, actor=system_user())


def link_to_record(row: MailMessage, entity: str, record_id: int, rule: str, *,
                   actor: Actor | None, fresh: bool = False) -> MailLink | None:
    """A timeline entry and an `email.received` event for the record, once per (message, record).

    `fresh`: the message row was filled in this transaction, so it has no links yet."""
    if not fresh and db.session.scalar(select(MailLink.id).where(
            MailLink.mail_id == row.id, MailLink.entity == entity, MailLink.record_id == record_id)):
        return None
    attachments = getattr(row, "filled_attachments", None)
    if attachments is None:
        attachments = list(db.session.scalars(select(MailAttachment).where(
            MailAttachment.mail_id == row.id).order_by(MailAttachment.position)))
    db.session.flush()  # attachment ids
    entry = add_entry(entity, record_id, "mail", actor=actor, summary=f"Mail received: {row.subject}",
                      body=(row.body_text or "")[:TIMELINE_BODY_MAX], data={
                          "direction": "in", "mail_id": row.id, "from": row.from_addr,
                          "from_name": row.from_name, "to": row.to_addrs, "cc": row.cc_addrs,
                          "date": json_value(row.sent_at), "subject": row.subject,
                          "has_html": bool(row.body_html), "rule": rule,
                          "attachments": [{"id": a.id, "filename": a.filename, "size": a.size}
                                          for a in attachments if not a.content_id or not row.body_html]})
    db.session.flush()
    link = MailLink(mail_id=row.id, entity=entity, record_id=record_id, entry_id=entry.id, rule=rule)
    db.session.add(link)
    record_event(MailEvent.RECEIVED, entity, record_id, {
        "mail_id": [None, row.id], "from": [None, row.from_addr], "subject": [None, row.subject]},
        actor=actor)
    return link


def failed_row(box: Mailbox | None, reason: str, *, folder: str = "", uidvalidity: int | None = None,
               uid: int | None = None, size: int = 0, headers: Parsed | None = None,
               raw: bytes | None = None, source: str = "crm", key: str = "") -> MailMessage:
    """A "failed mail" row with the reason (and the bytes when fetched, so a retry can parse them)."""
    headers = headers or Parsed()
    row = MailMessage(mailbox_id=box.id if box else None, source=source, folder=folder,
                      uidvalidity=uidvalidity, uid=uid, status=MessageStatus.FAILED,
                      reason=clean(reason, 2000),
                      message_id=headers.message_id, from_addr=headers.from_addr[:320],
                      from_name=headers.from_name, to_addrs=headers.to[:200], cc_addrs=headers.cc[:200],
                      subject=headers.subject, sent_at=headers.date, size=size, raw=raw, content_hash=key)
    db.session.add(row)
    db.session.flush()
    return row
