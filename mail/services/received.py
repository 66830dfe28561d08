"""Received mail for people: unassigned and failed lists, attaching, retrying, reading, downloads.

Who may see a message: an administrator; anyone who may read one of the records it is logged
on; for unassigned mail, anyone who may edit leads, contacts or companies (they file it); for
mail a user logged from a personal mailbox, that user. Failed mail is for administrators.
"""
from __future__ import annotations

import os

from sqlalchemy import select

from crm import access
from crm.entities import ENTITIES
from crm.paging import Page, paginate
from crm.serialize import json_value
from crm.services.records import get_record
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from mail import imap
from mail.models import MailAttachment, Mailbox, MailLink, MailMessage
from mail.services import ingest
from mail.services.common import Checker, is_admin, require_admin
from mail.services.recipients import MAIL_ENTITIES
from mail.services.store import attachment_path, link_to_record
from mail.states import MailboxKind, MessageStatus
from org.actors import Actor, actor_user
from org.models import valid_id

FILED_ENTITIES = tuple(n for n, e in ENTITIES.items() if e.has_emails)


def can_triage(actor: Actor) -> bool:
    """Whether the actor may see unassigned mail and file it on records."""
    return is_admin(actor) or any(access.can(actor, e, "edit") for e in FILED_ENTITIES)


def list_messages(status: str, *, actor: Actor, limit: int = 50, cursor: str | None = None) -> Page:
    """Unassigned (triagers) or failed (administrators) mail, newest first."""
    if status == MessageStatus.FAILED:
        require_admin(actor, "see failed mail")
    elif not can_triage(actor):
        raise Forbidden("Missing right: edit leads, contacts or companies")
    stmt = select(MailMessage).where(MailMessage.status == status)
    return paginate(stmt, MailMessage, "-id", None, limit, cursor, db.session)


def get_message(mail_id: object, *, actor: Actor) -> MailMessage:
    """A message the actor may read (404 otherwise)."""
    row = db.session.get(MailMessage, int(mail_id)) if valid_id(mail_id) else None
    if row is None or not may_read(row, actor):
        raise NotFound(f"No mail {mail_id}")
    return row


def may_read(row: MailMessage, actor: Actor) -> bool:
    """Whether the actor may read the message (see the module docstring)."""
    if is_admin(actor):
        return True
    if row.status == MessageStatus.FAILED:
        return False
    if row.logged_by_id is not None and row.logged_by_id == actor_user(actor).id:
        return True
    if row.status == MessageStatus.UNASSIGNED and row.source == MailboxKind.CRM and can_triage(actor):
        return True
    return any(_readable(link, actor) for link in links_of(row))


def _readable(link: MailLink, actor: Actor) -> bool:
    model = ENTITIES[link.entity].model
    stmt = access.scope(select(model.id).where(model.id == link.record_id), link.entity, "read", actor)
    return db.session.scalar(stmt) is not None


def links_of(row: MailMessage) -> list[MailLink]:
    """The records a message is filed on."""
    return list(db.session.scalars(select(MailLink).where(MailLink.mail_id == row.id).order_by(MailLink.id)))


def attachments_of(row: MailMessage) -> list[MailAttachment]:
    """A message's attachments in their order."""
    return list(db.session.scalars(select(MailAttachment).where(MailAttachment.mail_id == row.id)
                                   .order_by(MailAttachment.position)))


def attach(mail_id: object, data: dict, *, actor: Actor) -> MailMessage:
    """File a message on a record the actor may edit (once per record)."""
    row = get_message(mail_id, actor=actor)
    check = Checker(data)
    check.unknown({"entity", "id"})
    entity = check.choice("entity", MAIL_ENTITIES, "lead")
    if not valid_id(data.get("id")):
        check.errors["id"] = "Expected the record's id"
    check.raise_if_any()
    if row.status == MessageStatus.FAILED:
        raise Conflict("Failed mail cannot be filed; retry it first")
    get_record(entity, int(data["id"]), actor=actor, action="edit")
    if link_to_record(row, entity, int(data["id"]), "manual", actor=actor) is None:
        raise ValidationError.from_fields({"id": "This mail is already on that record"})
    row.status = MessageStatus.LOGGED
    db.session.flush()
    return row


def retry_failed(mail_id: object, *, actor: Actor) -> MailMessage:
    """Parse a failed message again (fetching it from the server if it was never fetched)."""
    require_admin(actor, "retry failed mail")
    row = get_message(mail_id, actor=actor)
    if row.status != MessageStatus.FAILED:
        raise Conflict(f"Mail {row.id} is not failed mail")
    if row.raw is None:
        _refetch(row)
    result = ingest.retry(row)
    db.session.flush()
    return result


def _refetch(row: MailMessage) -> None:
    """Fetch a failed message again by its folder and UID (if its size is now within the limit)."""
    box = db.session.get(Mailbox, row.mailbox_id) if row.mailbox_id else None
    if box is None or row.uid is None:
        return
    try:
        with imap.connect(box) as client:
            info = imap.select(client, row.folder or box.folder, readonly=True)
            if int(info[b"UIDVALIDITY"]) != row.uidvalidity:
                row.reason = ("The folder was rebuilt on the server (UIDVALIDITY changed); "
                              "the next poll reads it again")
                return
            size = int(client.fetch([row.uid], ["RFC822.SIZE"]).get(row.uid, {}).get(b"RFC822.SIZE", 0))
            if size and not ingest.too_large(size):
                row.raw = client.fetch([row.uid], ["BODY.PEEK[]"])[row.uid][b"BODY[]"]
            row.size = size or row.size
    except (imap.MailboxUnavailable, *imap.NETWORK_ERRORS, KeyError) as exc:
        raise Conflict(f"The message cannot be fetched again: {exc}") from None


def attachment_file(attachment_id: object, *, actor: Actor) -> tuple[MailAttachment, str]:
    """(attachment, path on disk) when the actor may read its message; 404 otherwise."""
    found = db.session.get(MailAttachment, int(attachment_id)) if valid_id(attachment_id) else None
    if found is None:
        raise NotFound(f"No attachment {attachment_id}")
    try:
        get_message(found.mail_id, actor=actor)
    except NotFound:
        raise NotFound(f"No attachment {attachment_id}") from None
    path = attachment_path(found.sha256)
    if not os.path.exists(path):
        raise NotFound(f"The file of attachment {attachment_id} is missing")
    return found, path


def message_to_dict(row: MailMessage, *, actor: Actor | None = None, full: bool = False) -> dict:
    """The message as the API shows it; `full` adds the text, attachments and the records (those
    the actor may read)."""
    out = {"id": row.id, "status": row.status, "reason": row.reason, "source": row.source,
           "message_id": row.message_id, "from": row.from_addr, "from_name": row.from_name,
           "to": row.to_addrs, "cc": row.cc_addrs, "subject": row.subject, "date": json_value(row.sent_at),
           "size": row.size, "attempts": row.attempts, "created_at": json_value(row.created_at),
           "folder": row.folder, "uid": row.uid}
    if full:
        out["text"] = row.body_text
        out["has_html"] = bool(row.body_html)
        out["attachments"] = [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                               "size": a.size, "content_id": a.content_id} for a in attachments_of(row)]
        out["records"] = [{"entity": link.entity, "id": link.record_id, "rule": link.rule}
                          for link in links_of(row) if actor is not None and _readable(link, actor)]
    return out
