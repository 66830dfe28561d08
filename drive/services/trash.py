"""The trash: put in, list, restore, purge for good; bodies no version names are collected later."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select

from drive import rights
from drive.models import DriveItem, DriveVersion
from drive.services.items import get_item, sibling_named
from errors import Conflict, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import utcnow

# Bodies younger than this are kept even when unreferenced: an upload may not have committed yet.
GC_GRACE_SECONDS = 3600


def trash_item(item_id: object, *, actor: Actor) -> DriveItem:
    """Put the item (and what lies below it) into the trash (full right)."""
    item, _ = get_item(item_id, actor=actor, level=rights.FULL)
    if item.parent_id is None:
        raise ValidationError.from_fields({"id": "A drive's root cannot be put into the trash"})
    item.trashed_at, item.trashed_by_id = utcnow(), actor_user(actor).id
    return item


def list_trash(*, actor: Actor, limit: int = 200) -> list[DriveItem]:
    """The items put into the trash that the actor may restore (full right), newest first."""
    who = rights.who_is(actor)
    rows = db.session.scalars(select(DriveItem).where(DriveItem.trashed_at.is_not(None))
                              .order_by(DriveItem.trashed_at.desc(), DriveItem.id.desc()).limit(limit * 5))
    return [r for r in rows if rights.level_of(who, r, trashed_ok=True) >= rights.FULL][:limit]


def restore_item(item_id: object, *, actor: Actor) -> DriveItem:
    """Take the item out of the trash; 409 when its folder is in the trash or its name is taken."""
    item, _ = get_item(item_id, actor=actor, level=rights.FULL, trashed_ok=True)
    if item.trashed_at is None:
        raise Conflict(f"{item.name!r} is not in the trash")
    if rights.walk_to(rights.who_is(actor), db.session.get(DriveItem, item.parent_id)).trashed:
        raise Conflict("Its folder is in the trash: restore the folder first")
    if sibling_named(item.parent_id, item.name, exclude=item.id):
        raise Conflict(f"{item.name!r} exists in its folder again; rename that one first",
                       {"name": "Taken in the folder"})
    item.trashed_at, item.trashed_by_id = None, None
    return item


def purge_item(item_id: object, *, actor: Actor) -> int:
    """Delete a trashed item and everything below it for good (full right); returns rows deleted."""
    item, _ = get_item(item_id, actor=actor, level=rights.FULL, trashed_ok=True)
    if item.trashed_at is None:
        raise Conflict(f"{item.name!r} is not in the trash: put it there first")
    ids = list(db.session.scalars(select(DriveItem.id).where(
        DriveItem.path.startswith(item.path, autoescape=True))))
    from drive.dav_props import DriveDavProp
    from drive.models import DriveLink, DriveRight

    for model in (DriveVersion, DriveRight, DriveLink, DriveDavProp):
        db.session.execute(delete(model).where(model.item_id.in_(ids)))
    # Deepest first, so no row loses its parent before it goes (SQLite may not cascade).
    rows = db.session.scalars(select(DriveItem).where(DriveItem.id.in_(ids)))
    for row in sorted(rows, key=lambda r: -len(r.ancestor_ids)):
        db.session.delete(row)
        db.session.flush()
    return len(ids)


def collect_garbage() -> int:
    """Delete bodies no version names any more (after the grace time); returns how many."""
    from drive.services.files import storage

    referenced = set(db.session.scalars(select(DriveVersion.content_hash).distinct()))
    # An empty file made by WebDAV (LOCK or PUT of a new name) has its body but no version yet.
    referenced |= set(db.session.scalars(select(DriveItem.content_hash).where(
        DriveItem.content_hash.is_not(None)).distinct()))
    grace = float(current_app.config.get("DRIVE_GC_GRACE_SECONDS", GC_GRACE_SECONDS))
    return storage().delete_unreferenced(referenced, older_than=grace)
