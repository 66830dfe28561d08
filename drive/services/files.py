"""File bodies: upload, new versions, restore of an old one, download, quotas and size limits."""
from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import magic
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from drive import rights
from drive.models import DriveItem, DriveVersion
from drive.names import check_name
from drive.pdftext import PDF_MIME
from drive.services.errors import PayloadTooLarge
from drive.services.items import get_item, new_child, sibling_named
from drive.storage import Storage, TooLarge, storage_for
from drive.text import extract_text
from errors import Conflict, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import utcnow
from org.settings import SiteSetting
from transactions import enqueue_after_commit

SETTINGS = "drive"
INDEX_TASK = "drive.index_text"
EMPTY_MIME = "application/octet-stream"
# Who else may hold a file: functions raising Locked (423) for a file locked elsewhere (WebDAV).
_lock_checks: list[Callable[[DriveItem], None]] = []


def register_lock_check(check: Callable[[DriveItem], None]) -> None:
    """drive.dav registers its lock manager here, so API and page saves honour WebDAV locks."""
    _lock_checks.append(check)


def storage() -> Storage:
    return storage_for(current_app)


def detect_mime(head: bytes) -> str:
    """The type libmagic reads from the first bytes; the name and the sender's claim are ignored."""
    if not head:
        return EMPTY_MIME
    return magic.from_buffer(head, mime=True) or EMPTY_MIME


def upload_file(parent_id: object, name: object, stream: BinaryIO, *, actor: Actor,
                field: str = "file") -> DriveItem:
    """A new file in the folder, or a new version of the file already called `name` there."""
    name = check_name(name, field)
    parent, _ = get_item(parent_id, actor=actor, level=rights.EDIT)
    if not parent.is_folder:
        raise ValidationError.from_fields({"parent": "Not a folder"})
    existing = sibling_named(parent.id, name)
    if existing is not None:
        if existing.is_folder:
            raise Conflict(f"{name!r} is a folder here", {field: "A folder has this name"})
        return save_content(existing.id, stream, actor=actor)
    digest, size, mime = _store(stream, parent)
    item = new_child(parent, name, actor=actor, is_folder=False)
    _add_version(item, digest, size, mime, actor=actor, expected=0)
    return item


def save_content(item_id: object, stream: BinaryIO, *, actor: Actor, expected: int | None = None,
                 locks_checked: bool = False) -> DriveItem:
    """A new version of the file (edit right). `expected`: the version the writer replaces;
    another writer who saved first makes this a 409 and both versions are kept. A file
    locked over WebDAV is a 423 (unless the caller, the WebDAV server, checked the lock)."""
    item, _ = get_item(item_id, actor=actor, level=rights.EDIT)
    if item.is_folder:
        raise ValidationError.from_fields({"id": "A folder has no content"})
    if not locks_checked:
        for check in _lock_checks:
            check(item)
    base = item.version_no if expected is None else expected
    digest, size, mime = _store(stream, item)
    _add_version(item, digest, size, mime, actor=actor, expected=base)
    return item


def _store(stream: BinaryIO, where: DriveItem) -> tuple[str, int, str]:
    """Write the body (checking the size limit and the quota) and detect its type."""
    limit = int(current_app.config.get("DRIVE_MAX_FILE", 200 * 1024 * 1024))
    room = quota_left(where.drive_kind, where.drive_ref)
    try:
        digest, size, head = storage().put(stream, limit=limit if room is None else min(limit, room))
    except TooLarge as exc:
        if room is not None and room < limit:
            raise PayloadTooLarge(f"The drive's quota is used up ({room} bytes left)",
                                  {"file": "Over the drive's quota"}) from exc
        raise PayloadTooLarge(f"Files may have at most {limit} bytes",
                              {"file": f"Larger than {limit} bytes"}) from exc
    return digest, size, detect_mime(head)


def _add_version(item: DriveItem, digest: str, size: int, mime: str, *, actor: Actor, expected: int) -> None:
    """Bump the item's version if it is still `expected` (one UPDATE), then add the version row."""
    user_id, now = actor_user(actor).id, utcnow()
    text = ""
    if mime == PDF_MIME:  # read in the background (drive.tasks.index_text): PDFs can be slow
        enqueue_after_commit(INDEX_TASK, item.id, expected + 1)
    else:
        with storage().open(digest) as body:
            text = extract_text(body, mime, size)
    bumped = db.session.execute(
        update(DriveItem).where(DriveItem.id == item.id, DriveItem.version_no == expected)
        .values(version_no=expected + 1, content_hash=digest, size=size, mime=mime, text=text,
                updated_at=now, updated_by_id=user_id)
        .execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        raise Conflict(f"{item.name!r} was saved by someone else meanwhile (version {expected} is not "
                       "the current one); load it again", {"version": "Not the current version"})
    db.session.add(DriveVersion(item_id=item.id, number=expected + 1, content_hash=digest, size=size,
                                mime=mime, created_by_id=user_id))
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same number written by a concurrent transaction
        raise Conflict("Another version was saved at the same time; load it again",
                       {"version": "Not the current version"}) from exc
    db.session.refresh(item)


def list_versions(item_id: object, *, actor: Actor) -> tuple[DriveItem, list[DriveVersion]]:
    """The file and its versions, newest first (read right)."""
    item, _ = get_item(item_id, actor=actor)
    return item, list(db.session.scalars(select(DriveVersion).where(
        DriveVersion.item_id == item.id).order_by(DriveVersion.number.desc())))


def authors_of(versions: list[DriveVersion]) -> dict[int, str]:
    """{user id: full name} of the people who saved these versions (one query)."""
    from org.models import User

    ids = {v.created_by_id for v in versions if v.created_by_id is not None}
    if not ids:
        return {}
    return {u.id: u.full_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def restore_version(item_id: object, number: object, *, actor: Actor) -> DriveItem:
    """Make an old version current again as a new version (edit right); nothing is dropped."""
    item, _ = get_item(item_id, actor=actor, level=rights.EDIT)
    old = db.session.scalar(select(DriveVersion).where(
        DriveVersion.item_id == item.id, DriveVersion.number == number)) if isinstance(number, int) else None
    if old is None:
        raise ValidationError.from_fields({"number": f"No version {number} of this file"})
    _add_version(item, old.content_hash, old.size, old.mime, actor=actor, expected=item.version_no)
    return item


def open_content(item_id: object, *, actor: Actor,
                 number: int | None = None) -> tuple[DriveItem, BinaryIO, str, int]:
    """(item, body, mime, size) of the current or a given version (read right)."""
    item, _ = get_item(item_id, actor=actor)
    if item.is_folder:
        raise ValidationError.from_fields({"id": "A folder has no content"})
    if number is None:
        return item, storage().open(item.content_hash or ""), item.mime, item.size
    row = db.session.scalar(select(DriveVersion).where(
        DriveVersion.item_id == item.id, DriveVersion.number == number))
    if row is None:
        raise ValidationError.from_fields({"version": f"No version {number} of this file"})
    return item, storage().open(row.content_hash), row.mime, row.size


def create_from_bytes(parent_id: object, name: object, body: bytes, *, actor: Actor) -> DriveItem:
    """A new file from bytes in memory (templates, attachments); 409 when the name is taken."""
    import io

    parent, _ = get_item(parent_id, actor=actor, level=rights.EDIT)
    if sibling_named(parent.id, check_name(name)):
        raise Conflict(f"{name!r} exists in this folder", {"name": "Taken in this folder"})
    return upload_file(parent.id, name, io.BytesIO(body), actor=actor)


def drive_settings() -> dict:
    """{"user_quota", "workgroup_quota": bytes or None, "users", "workgroups": {id: bytes}}."""
    row = db.session.get(SiteSetting, SETTINGS)
    data = dict(row.data or {}) if row is not None else {}
    return {"user_quota": data.get("user_quota"), "workgroup_quota": data.get("workgroup_quota"),
            "users": dict(data.get("users") or {}), "workgroups": dict(data.get("workgroups") or {})}


def quota_of(kind: str, ref: int | None) -> int | None:
    """The drive's quota in bytes (None: unlimited); the company drive has none."""
    if kind == "company":
        return None
    found = drive_settings()
    plural = "users" if kind == "user" else "workgroups"
    own = found[plural].get(str(ref))
    return own if own is not None else found[f"{kind}_quota"]


def used_bytes(kind: str, ref: int | None) -> int:
    """Bytes the drive holds: every version of every file, the trash included (purging frees it)."""
    where = DriveItem.drive_ref.is_(None) if ref is None else DriveItem.drive_ref == ref
    return int(db.session.scalar(select(func.coalesce(func.sum(DriveVersion.size), 0)).join(
        DriveItem, DriveItem.id == DriveVersion.item_id).where(DriveItem.drive_kind == kind, where)) or 0)


def quota_left(kind: str, ref: int | None) -> int | None:
    quota = quota_of(kind, ref)
    return None if quota is None else max(0, int(quota) - used_bytes(kind, ref))


def upload_path(parent_id: object, relative: object, stream: BinaryIO, *, actor: Actor,
                field: str = "file") -> DriveItem:
    """Upload to "a/b/name" below the folder, making the folders on the way (folder uploads)."""
    from drive.services.items import create_folder

    if not isinstance(relative, str) or not relative:
        raise ValidationError.from_fields({field: "A file name is required"})
    *folders, name = relative.replace("\\", "/").split("/")
    parent = parent_id
    for part in folders:
        check_name(part, field)
        found = sibling_named(int(parent), part) if str(parent).isdigit() else None
        if found is not None and not found.is_folder:
            raise Conflict(f"{part!r} is a file here", {field: f"{part} is a file"})
        parent = found.id if found is not None else create_folder(parent, part, actor=actor).id
    return upload_file(parent, name, stream, actor=actor, field=field)


def save_drive_settings(data: object, *, actor: Actor) -> dict:
    """Replace the quotas (administrators): bytes or null for unlimited, per user and workgroup."""
    from org.admin import require_admin

    require_admin(actor)
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    known = ("user_quota", "workgroup_quota", "users", "workgroups")
    problems = {k: "Unknown field" for k in data if k not in known}
    for key in ("user_quota", "workgroup_quota"):
        if not _bytes_or_none(data.get(key)):
            problems[key] = "A whole number of bytes, or null for no limit"
    for key in ("users", "workgroups"):
        table = data.get(key) or {}
        fine = isinstance(table, dict) and all(
            str(k).isdigit() and _bytes_or_none(v) for k, v in table.items())
        if not fine:
            problems[key] = "An object {id: bytes or null}"
    if problems:
        raise ValidationError.from_fields(problems)
    row = db.session.get(SiteSetting, SETTINGS) or SiteSetting(name=SETTINGS)
    row.data = {k: data.get(k) for k in ("user_quota", "workgroup_quota")} | {
        k: {str(i): v for i, v in (data.get(k) or {}).items()} for k in ("users", "workgroups")}
    row.updated_by_id = actor_user(actor).id
    db.session.add(row)
    db.session.flush()
    return drive_settings()


def _bytes_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def create_empty_file(parent_id: object, name: object, *, actor: Actor) -> DriveItem:
    """An empty file without a version yet (WebDAV's PUT and LOCK of a new name); its first
    save is version 1."""
    import io

    name = check_name(name)
    parent, _ = get_item(parent_id, actor=actor, level=rights.EDIT)
    if sibling_named(parent.id, name):
        raise Conflict(f"{name!r} exists in this folder", {"name": "Taken in this folder"})
    digest, _size, _head = storage().put(io.BytesIO(b""))
    item = new_child(parent, name, actor=actor, is_folder=False)
    item.content_hash, item.mime, item.size = digest, EMPTY_MIME, 0
    db.session.flush()
    return item


def max_upload() -> int:
    """Bytes one upload request may carry (all its files together)."""
    return int(current_app.config.get("DRIVE_MAX_UPLOAD", 1024 * 1024 * 1024))


def safe_inline(mime: str) -> bool:
    """Types shown in the browser: they cannot run script (no HTML, no SVG)."""
    return mime in ("text/plain", "application/pdf") or (mime.startswith("image/") and "svg" not in mime)
