"""Drive files attached to CRM records: an entry on the record's timeline pointing at the file.

Who may open an attached file is still decided by the file's drive rights; attaching needs
the edit right on the record and the read right on the file.
"""
from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select

from crm import access
from crm.models import TimelineEntry
from crm.services.records import get_record
from crm.services.timeline import add_entry
from crm.states import TimelineKind
from drive.models import DriveItem
from drive.services import files, items
from errors import ValidationError
from extensions import db
from org.actors import Actor, actor_user

FOLDER = "CRM attachments"


def attach_file(entity: str, record_id: int, item_id: object, *, actor: Actor) -> TimelineEntry:
    """Put a drive file on the record's timeline."""
    record = get_record(entity, record_id, actor=actor)
    access.require(actor, entity, "edit", record)
    item, _ = items.get_item(item_id, actor=actor)
    if item.is_folder:
        raise ValidationError.from_fields({"item_id": "Attach files, not folders"})
    entry = add_entry(entity, record_id, TimelineKind.FILE, actor=actor,
                      summary=f"File attached: {item.name}",
                      data={"drive_item_id": item.id, "name": item.name})
    db.session.flush()
    return entry


def attach_upload(entity: str, record_id: int, name: object, stream: BinaryIO, *, actor: Actor,
                  field: str = "file") -> TimelineEntry:
    """Upload into the actor's drive (folder "CRM attachments") and attach it."""
    record = get_record(entity, record_id, actor=actor)
    access.require(actor, entity, "edit", record)
    root = items.drive_root("user", actor_user(actor).id, actor=actor)
    folder = items.sibling_named(root.id, FOLDER)
    if folder is None or not folder.is_folder:
        folder = items.create_folder(root.id, FOLDER, actor=actor)
    item: DriveItem = files.upload_file(folder.id, name, stream, actor=actor, field=field)
    return attach_file(entity, record_id, item.id, actor=actor)


def save_mail_attachment(attachment_id: object, parent_id: object, *, actor: Actor,
                         name: object = None) -> DriveItem:
    """A received mail's attachment (one the actor may read) saved into a drive folder."""
    from mail.services.received import attachment_file

    found, path = attachment_file(attachment_id, actor=actor)
    with open(path, "rb") as body:
        return files.upload_file(parent_id, name or found.filename or f"attachment-{found.id}", body,
                                 actor=actor, field="name")


def readable_file_ids(item_ids: list[int], *, actor: Actor) -> set[int]:
    """Which of these drive items the actor may read now (not in the trash)."""
    from drive import rights

    if not item_ids:  # most records have no files: no rights to work out
        return set()
    rows = db.session.scalars(select(DriveItem).where(DriveItem.id.in_(set(item_ids))))
    who = rights.who_is(actor)
    return {item.id for item in rows if rights.level_of(who, item) >= rights.READ}


def visible_entries(entries: list[TimelineEntry], *, actor: Actor) -> list[TimelineEntry]:
    """The timeline without attached drive files the actor may not read (the file's rights hold)."""
    ids = [_file_id(e) for e in entries if _file_id(e) is not None]
    readable = readable_file_ids(ids, actor=actor)  # type: ignore[arg-type]
    return [e for e in entries if _file_id(e) is None or _file_id(e) in readable]


def _file_id(entry: TimelineEntry) -> int | None:
    ref = (entry.data or {}).get("drive_item_id") if entry.kind == TimelineKind.FILE else None
    return ref if isinstance(ref, int) else None


def record_files(entity: str, record_id: int, *, actor: Actor, limit: int = 500,
                 timeline: list[TimelineEntry] | None = None) -> dict:
    """The record's files: attached drive files the actor may read (newest first, once each) and
    the attachments of mail on its timeline. `timeline`: the record's whole timeline, newest
    first, when the caller has read it already (the record page), so it is not read again."""
    get_record(entity, record_id, actor=actor)
    kinds = (TimelineKind.FILE, TimelineKind.MAIL)
    if timeline is not None:
        entries = [e for e in timeline if e.kind in kinds][:limit]
    else:
        entries = list(db.session.scalars(select(TimelineEntry).where(
            TimelineEntry.entity == entity, TimelineEntry.record_id == record_id,
            TimelineEntry.kind.in_(kinds)).order_by(TimelineEntry.id.desc()).limit(limit)))
    ids = list(dict.fromkeys(i for i in (_file_id(e) for e in entries) if i is not None))
    readable = readable_file_ids(ids, actor=actor)
    items = {i.id: i for i in db.session.scalars(
        select(DriveItem).where(DriveItem.id.in_(readable)))} if readable else {}
    mail = [{**a, "mail_id": e.data.get("mail_id")} for e in entries if e.kind == TimelineKind.MAIL
            for a in (e.data or {}).get("attachments") or []
            if isinstance(a, dict) and isinstance(a.get("id"), int)]
    return {"drive": [items[i] for i in ids if i in items], "mail": mail}
