"""Drive rights of a workgroup or department that is deleted go with it (org.signals.group_deleting).

Why remove rather than refuse the deletion while the group holds rights: a right is a grant to
the group, not content of it; once the group is gone it reaches nobody, and the items it was
set on stay with their drives and their other rights. Refusing would send the person deleting
the group hunting through other people's drives, most of which they cannot see. The removal
is part of the deletion's unit of work, and the deletion's audit entry names the items.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from drive.models import DriveRight
from extensions import db
from org.signals import group_deleting

MAX_NAMED = 200  # items named in the audit entry; the count is always whole


@group_deleting.connect
def drop_group_rights(sender: object, kind: str, group_id: int, **_: object) -> dict[str, object]:
    """Delete the drive rights granted to the group; {"drive_rights": n, "drive_items": [ids]}."""
    where = (DriveRight.subject == kind, DriveRight.subject_id == group_id)
    item_ids = sorted(set(db.session.scalars(select(DriveRight.item_id).where(*where))))
    if not item_ids:
        return {}
    gone = db.session.execute(delete(DriveRight).where(*where)).rowcount
    return {"drive_rights": gone, "drive_items": item_ids[:MAX_NAMED]}
