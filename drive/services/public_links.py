"""What a public link opens: its file, or its folder and everything below it (never above).

A folder link shows what its creator may read there now (their rights are checked on every
request, so a right taken from them closes the link's view too); items in the trash are gone.
Expiry, revocation and the password are checked on every request as well.
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from drive import rights
from drive.models import DriveItem, DriveLink
from drive.services import files
from drive.services.errors import PayloadTooLarge
from drive.services.items import breadcrumbs, get_item
from drive.services.listing import FolderPage, list_page
from drive.services.sharing import _digest, _password_ok
from drive.storage import Storage
from errors import NotFound, ServiceError, Unauthorized, ValidationError
from extensions import db
from org.models import User, utcnow, valid_id

_GONE = "No such link (revoked or expired?)"
ZIP_MAX_BYTES = 1024 ** 3
ZIP_MAX_FILES = 10_000


@dataclass
class Shared:
    """An open link: the row, the item it names and the person whose rights it reads through."""

    link: DriveLink
    root: DriveItem
    creator: User


def find_link(token: str) -> DriveLink:
    """The link row, or 404 when unknown, revoked or expired."""
    row = db.session.scalar(select(DriveLink).where(DriveLink.token_hash == _digest(token or "")))
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= utcnow()):
        raise NotFound(_GONE)
    return row


def open_shared(token: str, password: str | None, *, unlocked: bool = False) -> Shared:
    """The link with its item; 404 when gone (or the item trashed or no longer readable by its
    creator), 401 for a missing or wrong password unless `unlocked` (a page's session knows it)."""
    row = find_link(token)
    creator = db.session.get(User, row.created_by_id) if row.created_by_id else None
    if creator is None or not creator.active:
        raise NotFound(_GONE)
    try:
        root, _ = get_item(row.item_id, actor=creator)
    except ServiceError:
        raise NotFound(_GONE) from None
    if row.password_hash and not unlocked and not (password and _password_ok(row.password_hash, password)):
        raise Unauthorized("This link needs its password", {"password": "Wrong or missing"})
    return Shared(row, root, creator)


def check_password(token: str, password: str | None) -> DriveLink:
    """The link when the password is right (or none is needed); 401 otherwise."""
    return open_shared(token, password).link


def inside(shared: Shared, item_id: object) -> tuple[DriveItem, int]:
    """An item at or below the link's folder that its creator may read; 404 for anything else
    (above the folder, beside it, in the trash)."""
    if item_id is None or item_id == "":
        return shared.root, rights.READ
    if not valid_id(item_id):
        raise ValidationError.from_fields({"folder": "An item id"})
    try:
        item, level = get_item(item_id, actor=shared.creator)
    except ServiceError:
        raise NotFound(f"No item {item_id} under this link") from None
    if not item.path.startswith(shared.root.path):
        raise NotFound(f"No item {item_id} under this link")
    return item, level


def list_shared(shared: Shared, folder_id: object, *, limit: int, cursor: str | None) -> FolderPage:
    """A page of a folder at or below the link's folder."""
    if not shared.root.is_folder:
        raise ValidationError.from_fields({"folder": "This link names a file"})
    folder, _ = inside(shared, folder_id)
    return list_page(folder.id, actor=shared.creator, limit=limit, cursor=cursor)


def crumbs_below(shared: Shared, item: DriveItem) -> list[DriveItem]:
    """The chain from the link's folder down to the item (nothing above the link's folder)."""
    chain = breadcrumbs(item)
    ids = [c.id for c in chain]
    return chain[ids.index(shared.root.id):] if shared.root.id in ids else [item]


def open_file(shared: Shared, item_id: object) -> tuple[DriveItem, object]:
    """A file at or below the link (the link's own file when `item_id` is None) and its body."""
    item, _ = inside(shared, item_id)
    if item.is_folder:
        raise ValidationError.from_fields({"item": "A folder; download it as a ZIP"})
    return item, files.storage().open(item.content_hash or "")


def zip_manifest(shared: Shared, folder_id: object) -> tuple[DriveItem, list[tuple[str, str | None]]]:
    """(folder, [(path in the archive, body hash or None for a folder)]) of what the creator may
    read below it; 413 past the size or count cap, before anything is sent."""
    folder, _ = inside(shared, folder_id)
    if not folder.is_folder:
        raise ValidationError.from_fields({"folder": "Not a folder"})
    below = list(db.session.execute(select(DriveItem.id, DriveItem.path, DriveItem.name, DriveItem.is_folder,
                                           DriveItem.size, DriveItem.content_hash).where(
        DriveItem.path.startswith(folder.path, autoescape=True), DriveItem.id != folder.id)))
    readable = _readable(rights.who_is(shared.creator), folder, below)
    names = {folder.id: ""}
    entries, total = [], 0
    for row in sorted((r for r in below if r.id in readable), key=lambda r: r.path.count("/")):
        parent = int(row.path.strip("/").split("/")[-2])
        if parent not in names:
            continue  # below a folder the creator may not read
        names[row.id] = f"{names[parent]}{row.name}{'/' if row.is_folder else ''}"
        entries.append((names[row.id], None if row.is_folder else row.content_hash))
        total += 0 if row.is_folder else row.size
    cap = int(current_app.config.get("DRIVE_ZIP_MAX", ZIP_MAX_BYTES))
    if total > cap or len(entries) > ZIP_MAX_FILES:
        raise PayloadTooLarge(f"The folder is too large for one ZIP ({total} bytes, {len(entries)} items; "
                          f"at most {cap} bytes and {ZIP_MAX_FILES} items): download its folders or files")
    return folder, sorted(entries)


def _readable(who: rights.Who, folder: DriveItem, below: list) -> set[int]:
    """Ids below the folder the user may read, from one query for every entry set down there."""
    nodes = rights.load_nodes([r.id for r in below])
    states = {folder.id: rights.walk_to(who, folder)}
    found = set()
    for row in sorted(below, key=lambda r: r.path.count("/")):
        parent = int(row.path.strip("/").split("/")[-2])
        if parent not in states or row.id not in nodes:
            continue
        state = states[parent].step(who, nodes[row.id])
        if not state.trashed and state.level >= rights.READ:
            states[row.id] = state
            found.add(row.id)
    return found


class _Sink:
    """A write-only stream that hands out what was written since the last `take`."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def stream_zip(store: Storage, entries: list[tuple[str, str | None]],
               chunk: int = 256 * 1024) -> Iterator[bytes]:
    """The ZIP, written as it is sent (no temporary file; data descriptors after each member)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:  # type: ignore[arg-type]
        for name, digest in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if digest is None:
                archive.writestr(info, b"")
                continue
            with store.open(digest) as body, archive.open(info, "w", force_zip64=True) as out:
                for data in iter(lambda b=body: b.read(chunk), b""):
                    out.write(data)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def zip_name(folder: DriveItem) -> str:
    return f"{os.path.basename(folder.name) or 'folder'}.zip"
