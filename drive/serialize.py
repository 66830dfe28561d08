"""Drive items, versions, rights and links as JSON-ready dicts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row

from drive import rights
from drive.models import DriveItem, DriveLink, DriveRight, DriveVersion


def _time(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def item_to_dict(item: DriveItem | Row, level: int) -> dict:
    """The item (or a row of its columns) with the caller's level and what it allows."""
    return {
        "id": item.id, "name": item.name, "kind": "folder" if item.is_folder else "file",
        "parent_id": item.parent_id, "drive": {"kind": item.drive_kind, "id": item.drive_ref},
        "mime": None if item.is_folder else item.mime, "size": None if item.is_folder else item.size,
        "version": None if item.is_folder else item.version_no,
        "owner_id": item.owner_id, "created_at": _time(item.created_at), "updated_at": _time(item.updated_at),
        "updated_by_id": item.updated_by_id, "trashed_at": _time(item.trashed_at),
        "level": rights.LEVELS[level],
        "can": {"edit": level >= rights.EDIT, "share": level >= rights.SHARE, "full": level >= rights.FULL},
    }


def public_item_to_dict(item: DriveItem | Row) -> dict:
    """What a public link shows of an item: no people, no rights."""
    return {"id": item.id, "name": item.name, "kind": "folder" if item.is_folder else "file",
            "mime": None if item.is_folder else item.mime, "size": None if item.is_folder else item.size,
            "updated_at": _time(item.updated_at)}


def version_to_dict(row: DriveVersion) -> dict:
    return {"number": row.number, "size": row.size, "mime": row.mime,
            "created_at": _time(row.created_at), "created_by_id": row.created_by_id}


def right_to_dict(row: DriveRight) -> dict:
    return {"subject": row.subject, "id": row.subject_id, "level": row.level,
            "include_subdepartments": row.include_subdepartments}


def link_to_dict(row: DriveLink, token: str | None = None) -> dict:
    out = {"id": row.id, "item_id": row.item_id, "expires_at": _time(row.expires_at),
           "has_password": row.password_hash is not None, "created_at": _time(row.created_at)}
    if token is not None:
        out["token"] = token
        out["url"] = f"/api/v1/drive/public/{token}"
        out["page_url"] = f"/drive/public/{token}"  # the page people open in a browser
    return out
