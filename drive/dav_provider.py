"""wsgidav resources over drive items: every call goes through the drive's services and rights.

Paths: /<drive>/<name>/<name>... where <drive> is user-<id>, workgroup-<id> or company
(drive.dav.drive_segment). A path resolves by names to its item; only the item itself
must be readable, so a file shared deep inside someone's drive opens by its URL.
"""
from __future__ import annotations

import calendar
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from wsgidav.dav_error import DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider

from drive import dav_props, rights
from drive.models import DriveItem
from drive.services import files, items, trash
from errors import ServiceError
from extensions import db
from org.models import User

ENV_USER = "flowdesk.user_id"
SPOOL = 8 * 1024 * 1024  # bodies up to this stay in memory while a PUT arrives


@contextmanager
def service_errors() -> Iterator[None]:
    """A service's 4xx becomes the same status for the WebDAV client."""
    try:
        yield
    except ServiceError as exc:
        raise DAVError(exc.status, context_info=exc.message) from exc


def _epoch(value: object) -> float | None:
    return float(calendar.timegm(value.timetuple())) if value is not None else None  # type: ignore[attr-defined]


def _actor(environ: dict) -> User:
    user = db.session.get(User, environ.get(ENV_USER))
    if user is None:
        raise DAVError(401)
    return user


def _root_of(segment: str) -> DriveItem | None:
    """A drive's root by its path segment, without a rights check (the caller checks the target)."""
    kind, _, ref = segment.partition("-")
    if segment == "company":
        kind, ref_id = "company", None
    elif kind in ("user", "workgroup") and ref.isdigit():
        ref_id = int(ref)
    else:
        return None
    key = f"{kind}:{'' if ref_id is None else ref_id}"
    return db.session.scalar(select(DriveItem).where(DriveItem.root_key == key))


class DriveProvider(DAVProvider):
    """Maps WebDAV paths to drive items for the authenticated user."""

    def get_resource_inst(self, path: str, environ: dict):
        actor = _actor(environ)
        parts = [p for p in path.split("/") if p]
        if not parts:
            return DrivesResource("/", environ, actor)
        item = _root_of(parts[0])
        if item is None and parts[0] == f"user-{actor.id}":
            with service_errors():
                item = items.drive_root("user", actor.id, actor=actor)
        for name in parts[1:]:
            if item is None or not item.is_folder:
                return None
            item = items.sibling_named(item.id, name)
        if item is None:
            return None
        level = rights.level_of(rights.who_is(actor), item)
        if level < rights.READ:
            return None
        return resource_for(path, environ, actor, item, level)


def resource_for(path: str, environ: dict, actor: User, item: DriveItem, level: int):
    cls = FolderResource if item.is_folder else FileResource
    return cls(path, environ, actor, item, level)


class DrivesResource(DAVCollection):
    """The top: one collection per drive the user has (their own, the company's, workgroups')."""

    def __init__(self, path: str, environ: dict, actor: User) -> None:
        super().__init__(path, environ)
        self.actor = actor

    def get_member_names(self) -> list[str]:
        from drive.dav import drive_segment

        with service_errors():
            return [drive_segment(r) for r in items.my_drives(actor=self.actor)]

    def get_member(self, name: str):
        return self.provider.get_resource_inst(f"/{name}", self.environ)

    def get_display_name(self) -> str:
        return "Drives"


class _ItemMixin:
    """What folders and files share: names, times, delete (into the trash), move and copy."""

    item: DriveItem
    actor: User

    def get_display_name(self) -> str:
        return self.item.name

    def get_creation_date(self) -> float | None:
        return _epoch(self.item.created_at)

    def get_last_modified(self) -> float | None:
        return _epoch(self.item.updated_at)

    def support_recursive_delete(self) -> bool:
        return True

    def delete(self) -> None:
        """Into the trash (with what lies below); locks go, dead properties stay with the item
        until it is purged (drive.dav_props)."""
        with service_errors():
            trash.trash_item(self.item.id, actor=self.actor)
        self.remove_all_locks(recursive=True)  # type: ignore[attr-defined]

    def _target(self, dest_path: str) -> tuple[DriveItem, str]:
        """The destination's folder and name (an existing destination goes into the trash)."""
        parent_path, _, name = dest_path.rstrip("/").rpartition("/")
        provider = self.provider  # type: ignore[attr-defined]
        parent = provider.get_resource_inst(parent_path or "/", self.environ)  # type: ignore[attr-defined]
        if not isinstance(parent, FolderResource):
            raise DAVError(409, context_info="The destination's folder does not exist")
        existing = provider.get_resource_inst(dest_path, self.environ)  # type: ignore[attr-defined]
        if isinstance(existing, (FolderResource, FileResource)):
            existing.delete()  # Overwrite: T (wsgidav refused F already)
        return parent.item, name

    def handle_move(self, dest_path: str) -> bool:
        parent, name = self._target(dest_path)
        with service_errors():
            items.move_item(self.item.id, parent.id, actor=self.actor, name=name)
        self.remove_all_locks(recursive=True)  # type: ignore[attr-defined]
        return True  # dead properties belong to the item: they moved with it

    def handle_copy(self, dest_path: str, *, depth_infinity: bool) -> bool:
        parent, name = self._target(dest_path)
        with service_errors():
            copy = items.copy_item(self.item.id, parent.id, actor=self.actor, name=name)
            if self.item.is_folder and not depth_infinity:  # Depth: 0 copies the folder alone
                for child in db.session.scalars(db.select(DriveItem).where(DriveItem.parent_id == copy.id)):
                    db.session.delete(child)
            dav_props.copy_tree(self.item, copy)
        return True


class FolderResource(_ItemMixin, DAVCollection):
    def __init__(self, path: str, environ: dict, actor: User, item: DriveItem, level: int) -> None:
        DAVCollection.__init__(self, path, environ)
        self.actor, self.item, self.level = actor, item, level
        dav_props.remember(self, item, level)

    def get_member_names(self) -> list[str]:
        with service_errors():
            _folder, _level, children = items.list_children(self.item.id, actor=self.actor)
        return [c.name for c, _ in children]

    def get_member(self, name: str):
        return self.provider.get_resource_inst(self.path.rstrip("/") + "/" + name, self.environ)

    def get_member_list(self) -> list:
        """The readable children as resources (PROPFIND Depth: 1): one query for the items and
        their levels from this folder's state (rights.child_levels), where resolving each
        child's path (get_member) cost seven statements a child; their dead properties in one."""
        children = list(db.session.scalars(select(DriveItem).where(
            DriveItem.parent_id == self.item.id, DriveItem.trashed_at.is_(None))
            .order_by(DriveItem.is_folder.desc(), DriveItem.name, DriveItem.id)))
        levels = rights.child_levels(rights.who_is(self.actor), self.item, children)
        base = self.path.rstrip("/") + "/"
        found = [resource_for(base + c.name, self.environ, self.actor, c, levels[c.id])
                 for c in children if levels[c.id] >= rights.READ]
        dav_props.preload(self.environ, self.item.id, [r.item.id for r in found])
        return found

    def create_empty_resource(self, name: str) -> FileResource:
        with service_errors():
            made = files.create_empty_file(self.item.id, name, actor=self.actor)
        return FileResource(self.path.rstrip("/") + "/" + name, self.environ, self.actor, made, rights.FULL)

    def create_collection(self, name: str) -> FolderResource:
        with service_errors():
            made = items.create_folder(self.item.id, name, actor=self.actor)
        return FolderResource(self.path.rstrip("/") + "/" + name, self.environ, self.actor, made, rights.FULL)


class FileResource(_ItemMixin, DAVNonCollection):
    def __init__(self, path: str, environ: dict, actor: User, item: DriveItem, level: int) -> None:
        DAVNonCollection.__init__(self, path, environ)
        self.actor, self.item, self.level = actor, item, level
        dav_props.remember(self, item, level)

    def get_content_length(self) -> int:
        return self.item.size

    def get_content_type(self) -> str:
        return self.item.mime or files.EMPTY_MIME

    def get_etag(self) -> str:
        return f"{self.item.id}-{self.item.version_no}"

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return True

    def get_content(self):
        with service_errors():
            _item, body, _mime, _size = files.open_content(self.item.id, actor=self.actor)
        return body

    def begin_write(self, *, content_type: str | None = None):
        if self.level < rights.EDIT:
            raise DAVError(403, context_info="This needs the edit right")
        self._body = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        return _KeepOpen(self._body)

    def end_write(self, *, with_errors: bool) -> None:
        """The body arrived whole: save it as a new version of the version read at the start."""
        body = getattr(self, "_body", None)
        if body is None:  # begin_write refused
            return
        try:
            if with_errors:
                return
            body.seek(0)
            with service_errors():
                self.item = files.save_content(self.item.id, body, actor=self.actor,
                                               expected=self.item.version_no, locks_checked=True)
        finally:
            body.close()


class _KeepOpen:
    """wsgidav closes the stream it wrote before end_write; keep the spool until then."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def write(self, data: bytes) -> int:
        return self.inner.write(data)  # type: ignore[attr-defined]

    def close(self) -> None:
        """The spool is closed by end_write."""
