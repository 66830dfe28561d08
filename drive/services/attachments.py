"""Drive files attached to CRM records: an entry on the record's timeline pointing at the file.

Who may open an attached file is still decided by the file's drive rights; attaching needs
the edit right on the record and the read right on the file.
"""
from __future__ import annotations

from typing import BinaryIO

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
