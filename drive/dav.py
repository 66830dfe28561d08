"""The WebDAV face at /dav/files: wsgidav over the drive's storage and rights (drive.dav_provider)."""
from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from drive.models import DriveItem
from extensions import db

PREFIX = "/dav/files"


def drive_segment(item: DriveItem) -> str:
    """The first path segment naming the item's drive: user-<id>, workgroup-<id> or company."""
    return "company" if item.drive_kind == "company" else f"{item.drive_kind}-{item.drive_ref}"


def dav_path(item: DriveItem) -> str:
    """/dav/files/<drive>/<names below the root>, quoted (one query for the chain's names)."""
    chain = item.ancestor_ids
    query = select(DriveItem.id, DriveItem.name).where(DriveItem.id.in_(chain))
    names = dict(db.session.execute(query).all())
    parts = [drive_segment(item), *(names[i] for i in chain[1:])]
    return PREFIX + "/" + "/".join(quote(p) for p in parts) + ("/" if item.is_folder else "")


def dav_url(item: DriveItem, host_url: str) -> str:
    """The full WebDAV URL of the item on this host."""
    return host_url.rstrip("/") + dav_path(item)
