"""Personal mailboxes: one IMAP mailbox per user, read live, unread count cached, mail logged on records.

The unread count shown in the navigation is the `unread_count` column, refreshed by a beat
task (mail.refresh_unread) and after the user reads a message -- never an IMAP round trip per
page. Listing and reading talk to the server; logging stores the message like Send&Save mail
(deduplicated with it) and files it on the records, among From/To/Cc, the user may edit.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from crm import access
from crm.entities import ENTITIES
from errors import NotFound, ServiceError, ValidationError
from extensions import db
from mail import imap
from mail.config import setting
from mail.models import Mailbox
from mail.parse import Parsed, ParseFailure, parse, parse_headers
from mail.services.common import Checker
from mail.services.ingest import file_parsed, too_large
from mail.services.matching import Target, records_with
from mail.services.settings import PASSWORD_AGAIN, apply_imap, imap_values, mailbox_state, server_moved
from mail.services.store import link_to_record
from mail.states import MailboxKind, MailboxState, MessageStatus
from org.actors import Actor, actor_user
from org.models import utcnow

HEADER_FIELDS = "BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)]"
LIST_LIMIT = 50


def key_of(user_id: int) -> str:
    """The mailbox key of a user's personal mailbox."""
    return f"user:{user_id}"


def my_mailbox(actor: Actor) -> Mailbox | None:
    """The actor's own mailbox, or None."""
    return db.session.scalar(select(Mailbox).where(Mailbox.key == key_of(actor_user(actor).id)))


def _require_mailbox(actor: Actor) -> Mailbox:
    box = my_mailbox(actor)
    if box is None:
        raise NotFound("You have no mailbox attached")
    return box


def save_mailbox(data: dict, *, actor: Actor) -> Mailbox:
    """Attach (or change) the actor's mailbox; the login is tried first and refused with the reason."""
    user = actor_user(actor)
    check = Checker(data)
    check.unknown({"host", "port", "tls", "user", "password", "folder"})
    values = imap_values(check)
    box = my_mailbox(actor) or Mailbox(key=key_of(user.id), kind=MailboxKind.PERSONAL, user_id=user.id,
                                       subject_patterns={})
    if not box.password_enc and not data.get("password"):
        check.errors["password"] = "This field is required"
    elif data.get("password") is None and server_moved(box, values):
        check.errors["password"] = PASSWORD_AGAIN
    check.raise_if_any()
    apply_imap(box, values, data.get("password"))
    try:
        with imap.connect(box) as client:
            unread = _unseen(client, box.folder)
    except imap.MailboxUnavailable as exc:
        raise ValidationError.from_fields({exc.field: str(exc)}) from None
    _set_unread(box, unread)
    db.session.add(box)
    db.session.flush()
    return box


def detach_mailbox(*, actor: Actor) -> None:
    """Remove the actor's mailbox (mail already logged from it stays on the records)."""
    db.session.delete(_require_mailbox(actor))


def _unseen(client: object, folder: str) -> int:
    try:
        return int(client.folder_status(folder, [b"UNSEEN"])[b"UNSEEN"])
    except imap.NETWORK_ERRORS as exc:
        raise imap.MailboxUnavailable(f"Cannot open the folder {folder!r}: {exc}", "folder") from None


def _set_unread(box: Mailbox, unread: int | None, error: str = "") -> None:
    now = utcnow()
    if unread is not None:
        box.unread_count, box.state, box.last_error, box.failures = unread, MailboxState.OK, "", 0
        box.last_success_at = now
    else:
        box.state, box.last_error, box.failures = MailboxState.ERROR, error[:2000], box.failures + 1
    box.unread_checked_at = box.last_poll_at = now


def refresh_unread(box_id: int) -> int | None:
    """Ask the server for the unread count and cache it (the beat task; also after reading)."""
    box = db.session.get(Mailbox, box_id)
    if box is None or box.kind != MailboxKind.PERSONAL:
        return None
    try:
        with imap.connect(box) as client:
            _set_unread(box, _unseen(client, box.folder))
    except (imap.MailboxUnavailable, *imap.NETWORK_ERRORS) as exc:
        _set_unread(box, None, str(exc))
    db.session.flush()
    return box.unread_count


def personal_mailbox_ids() -> list[int]:
    """Every personal mailbox (the unread-count task visits each)."""
    query = select(Mailbox.id).where(Mailbox.kind == MailboxKind.PERSONAL).order_by(Mailbox.id)
    return list(db.session.scalars(query))


def unread_count(actor: Actor) -> int | None:
    """The cached unread count (None without a mailbox or before the first check)."""
    return db.session.scalar(select(unread_count_column(actor)))


def unread_count_column(actor: Actor) -> object:
    """`unread_count` as a scalar subquery, for a statement that reads other counts too."""
    return select(Mailbox.unread_count).where(Mailbox.key == key_of(actor_user(actor).id)).scalar_subquery()


def list_messages(*, actor: Actor, limit: int = LIST_LIMIT) -> list[dict]:
    """The newest messages of the folder (headers only, read-only: nothing is marked read)."""
    box = _require_mailbox(actor)
    with _session(box) as client:
        imap.select(client, box.folder, readonly=True)
        uids = sorted(client.search(["ALL"]))[-limit:][::-1]
        data = client.fetch(uids, ["FLAGS", "RFC822.SIZE", HEADER_FIELDS]) if uids else {}
    out = []
    for uid in uids:
        item = data.get(uid, {})
        head = parse_headers(next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), b""))
        out.append({**_summary(head), "uid": uid, "seen": b"\\Seen" in item.get(b"FLAGS", ()),
                    "size": int(item.get(b"RFC822.SIZE", 0))})
    return out


def _summary(parsed: Parsed) -> dict:
    return {"from": parsed.from_addr, "from_name": parsed.from_name, "to": parsed.to, "cc": parsed.cc,
            "subject": parsed.subject, "date": parsed.date.isoformat() + "Z" if parsed.date else None,
            "message_id": parsed.message_id}


class MailboxDown(ServiceError):
    """The personal mailbox's server cannot be used right now."""

    status = 503


@contextmanager
def _session(box: Mailbox) -> Iterator[object]:
    """A logged-in client; server trouble becomes MailboxDown (503) with the reason."""
    try:
        with imap.connect(box) as client:
            yield client
    except (imap.MailboxUnavailable, *imap.NETWORK_ERRORS) as exc:
        raise MailboxDown(f"The mailbox cannot be used right now: {exc}") from None


def _fetch(box: Mailbox, uid: int, *, peek: bool) -> tuple[bytes | None, int, bytes]:
    """(raw or None when over the size limit, size, header bytes) of one message."""
    with _session(box) as client:
        imap.select(client, box.folder, readonly=peek)
        meta = client.fetch([uid], ["RFC822.SIZE", HEADER_FIELDS]).get(uid)
        if meta is None:
            raise NotFound(f"No message {uid} in {box.folder}")
        size = int(meta.get(b"RFC822.SIZE", 0))
        head = next((v for k, v in meta.items() if k.startswith(b"BODY[HEADER")), b"")
        raw = None
        if not too_large(size):
            raw = client.fetch([uid], ["BODY.PEEK[]" if peek else "BODY[]"])[uid].get(b"BODY[]")
        if not peek:
            _set_unread(box, _unseen(client, box.folder))
    return raw, size, head


def read_message(uid: int, *, actor: Actor) -> dict:
    """One message to read in Flowdesk (it becomes read on the server, as in any mail client)."""
    box = _require_mailbox(actor)
    raw, size, head = _fetch(box, uid, peek=False)
    out = {**_summary(parse_headers(head)), "uid": uid, "size": size, "text": "", "html": "", "problem": "",
           "attachments": []}
    if raw is None:
        out["problem"] = too_large(size)
        return out
    try:
        parsed = parse(raw, max_parts=int(setting("MAIL_MAX_PARTS")))
    except ParseFailure as exc:
        out["problem"] = str(exc)
        return out
    out.update(text=parsed.text, html=parsed.html, attachments=[
        {"filename": a.filename, "content_type": a.content_type, "size": len(a.data)}
        for a in parsed.attachments])
    out["records"] = [{"entity": t.entity, "id": t.record_id} for t in _targets(parsed, actor)]
    return out


def _targets(parsed: Parsed, actor: Actor) -> list[Target]:
    """Records with e-mail addresses among From/To/Cc, not the user's own, the actor may edit."""
    own = actor_user(actor).email.lower()
    found = records_with([a for a in [parsed.from_addr, *parsed.to, *parsed.cc] if a != own], "personal")
    allowed = []
    for target in found:
        model = ENTITIES[target.entity].model
        stmt = access.scope(select(model.id).where(model.id == target.record_id), target.entity, "edit",
                            actor)
        if db.session.scalar(stmt) is not None:
            allowed.append(target)
    return allowed


def log_message(uid: int, *, actor: Actor) -> dict:
    """File a message of the actor's mailbox on the CRM records it was exchanged with (one click)."""
    box = _require_mailbox(actor)
    raw, size, _head = _fetch(box, uid, peek=True)
    if raw is None:
        raise ValidationError.from_fields({"uid": too_large(size)})
    try:
        parsed = parse(raw, max_parts=int(setting("MAIL_MAX_PARTS")))
    except ParseFailure as exc:
        raise ValidationError.from_fields({"uid": str(exc)}) from None
    targets = _targets(parsed, actor)
    if not targets:
        raise ValidationError.from_fields({"uid": "No lead, contact or company you may edit has an address "
                                                  "of this message"})
    row = file_parsed(box, parsed, {"folder": box.folder, "uid": uid, "size": size}, source="personal",
                      logged_by_id=actor_user(actor).id)
    for target in targets:
        link_to_record(row, target.entity, target.record_id, "personal", actor=actor)
    row.status = MessageStatus.LOGGED
    db.session.flush()
    return {"mail_id": row.id, "records": [{"entity": t.entity, "id": t.record_id} for t in targets]}


def mailbox_to_dict(box: Mailbox | None) -> dict:
    """The mailbox as GET /me/mailbox shows it (never the password)."""
    if box is None:
        return {"attached": False}
    return {"attached": True, "host": box.host, "port": box.port, "tls": box.tls, "user": box.username,
            "folder": box.folder, "password_set": bool(box.password_enc), "unread": box.unread_count,
            **mailbox_state(box)}
