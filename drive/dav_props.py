"""WebDAV dead properties (PROPPATCH) kept in the database, per drive item.

wsgidav names a resource by its URL; a property here belongs to the item, so it follows the
item on MOVE and rename with no work, stays with it in the trash and goes when it is purged
(drive.services.trash) or its row is deleted (ON DELETE CASCADE). COPY copies the properties
of the whole copied tree (copy_tree). Setting or removing one needs the edit right on the item.
"""
from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wsgidav.dav_error import DAVError

from drive import rights
from drive.models import DriveItem
from extensions import db

ENV_ITEMS = "flowdesk.dav_items"  # environ: {ref url: (item id, level)} of resolved resources
# environ: {item id: {name: value}} of the items whose properties were read at once (preload)
ENV_PROPS = "flowdesk.dav_props"


class DriveDavProp(db.Model):
    """One dead property (Clark name, XML value) of a drive item, set by a WebDAV client."""

    __tablename__ = "drive_dav_prop"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("drive_item.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(1024))
    value: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("item_id", "name", name="uq_drive_dav_prop_name"),)


def remember(resource: object, item: DriveItem, level: int) -> None:
    """Note the item behind a resource's URL for this request (the manager is asked by URL)."""
    environ = resource.environ  # type: ignore[attr-defined]
    environ.setdefault(ENV_ITEMS, {})[resource.get_ref_url()] = (item.id, level)  # type: ignore[attr-defined]


def preload(environ: dict, folder_id: int, item_ids: list[int]) -> None:
    """Read the dead properties of a folder's listed children in one query, for this request
    (PROPFIND Depth: 1 asks each child's; a write drops the item's copy)."""
    known: dict[int, dict[str, str]] = {i: {} for i in item_ids}
    rows = db.session.execute(select(DriveDavProp.item_id, DriveDavProp.name, DriveDavProp.value)
                              .join(DriveItem, DriveItem.id == DriveDavProp.item_id)
                              .where(DriveItem.parent_id == folder_id).order_by(DriveDavProp.id))
    for item_id, name, value in rows:
        if item_id in known:
            known[item_id][name] = value
    environ.setdefault(ENV_PROPS, {}).update(known)


def _preloaded(environ: dict, item_id: int) -> dict[str, str] | None:
    return environ.get(ENV_PROPS, {}).get(item_id)


def _forget(environ: dict | None, item_id: int) -> None:
    if environ is not None:
        environ.get(ENV_PROPS, {}).pop(item_id, None)


def copy_tree(source: DriveItem, copy: DriveItem) -> int:
    """Copy the properties of `source` and what lies below it onto its copy (matched by the
    names below the top); returns how many were copied."""
    props = db.session.execute(select(DriveDavProp.item_id, DriveDavProp.name, DriveDavProp.value).join(
        DriveItem, DriveItem.id == DriveDavProp.item_id).where(
        DriveItem.path.startswith(source.path, autoescape=True))).all()
    if not props:
        return 0
    target = _relative_names(copy)
    here = {item_id: rel for rel, item_id in _relative_names(source).items()}
    count = 0
    for item_id, name, value in props:
        dest = target.get(here.get(item_id, "\0"))
        if dest is not None:
            db.session.add(DriveDavProp(item_id=dest, name=name, value=value))
            count += 1
    db.session.flush()
    return count


def _relative_names(top: DriveItem) -> dict[str, int]:
    """{"/a/b.txt": id} of the live items below `top` ("" for `top` itself)."""
    rows = db.session.execute(select(DriveItem.id, DriveItem.parent_id, DriveItem.name).where(
        DriveItem.path.startswith(top.path, autoescape=True), DriveItem.trashed_at.is_(None))).all()
    by_id = {r.id: r for r in rows}
    found: dict[int, str] = {top.id: ""}

    def rel(item_id: int) -> str | None:
        if item_id not in found:
            row = by_id.get(item_id)
            parent = rel(row.parent_id) if row is not None and row.parent_id is not None else None
            found[item_id] = None if parent is None else f"{parent}/{row.name}"  # type: ignore[union-attr]
        return found[item_id]

    names = {r.id: rel(r.id) for r in rows}
    return {name: item_id for item_id, name in names.items() if name is not None}


class DbPropertyManager:
    """wsgidav's property manager interface over drive_dav_prop (one request's unit of work)."""

    def __str__(self) -> str:
        return "DbPropertyManager"

    def _item(self, norm_url: str, environ: dict | None) -> tuple[int, int] | None:
        """(item id, level) behind the URL: noted when the resource was made, else resolved."""
        if environ is None:
            return None
        known = environ.setdefault(ENV_ITEMS, {})
        if norm_url not in known:
            provider = environ["wsgidav.provider"]
            path = unquote(norm_url)[len(provider.share_path or ""):] or "/"
            provider.get_resource_inst(path, environ)  # notes the item when it resolves
        return known.get(norm_url)

    def _writable(self, norm_url: str, environ: dict | None) -> int:
        found = self._item(norm_url, environ)
        if found is None:
            raise DAVError(404)
        if found[1] < rights.EDIT:
            raise DAVError(403, context_info="Setting properties needs the edit right")
        return found[0]

    def get_properties(self, norm_url: str, environ: dict | None = None) -> list[str]:
        found = self._item(norm_url, environ)
        if found is None:
            return []
        if (props := _preloaded(environ, found[0])) is not None:  # type: ignore[arg-type]
            return list(props)
        return list(db.session.scalars(select(DriveDavProp.name).where(
            DriveDavProp.item_id == found[0]).order_by(DriveDavProp.id)))

    def get_property(self, norm_url: str, name: str, environ: dict | None = None) -> bytes | None:
        found = self._item(norm_url, environ)
        if found is None:
            return None
        if (props := _preloaded(environ, found[0])) is not None:  # type: ignore[arg-type]
            value = props.get(name)
            return None if value is None else value.encode("utf-8")
        value = db.session.scalar(select(DriveDavProp.value).where(
            DriveDavProp.item_id == found[0], DriveDavProp.name == name))
        return None if value is None else value.encode("utf-8")

    def write_property(self, norm_url: str, name: str, property_value: bytes, dry_run: bool = False,
                       environ: dict | None = None) -> None:
        item_id = self._writable(norm_url, environ)
        if dry_run:
            return
        _forget(environ, item_id)
        text = property_value.decode("utf-8") if isinstance(property_value, bytes) else str(property_value)
        row = db.session.scalar(select(DriveDavProp).where(
            DriveDavProp.item_id == item_id, DriveDavProp.name == name))
        if row is None:
            db.session.add(DriveDavProp(item_id=item_id, name=name, value=text))
        else:
            row.value = text
        try:
            db.session.flush()
        except IntegrityError as exc:  # another request set the same new property meanwhile
            raise DAVError(409, context_info="The property was set at the same time; try again") from exc

    def remove_property(self, norm_url: str, name: str, dry_run: bool = False,
                        environ: dict | None = None) -> None:
        item_id = self._writable(norm_url, environ)
        if not dry_run:
            _forget(environ, item_id)
            db.session.execute(delete(DriveDavProp).where(
                DriveDavProp.item_id == item_id, DriveDavProp.name == name))

    def remove_properties(self, norm_url: str, environ: dict | None = None) -> None:
        found = self._item(norm_url, environ)
        if found is not None:
            _forget(environ, found[0])
            db.session.execute(delete(DriveDavProp).where(DriveDavProp.item_id == found[0]))

    def copy_properties(self, src_url: str, dest_url: str, environ: dict | None = None) -> None:
        """COPY is handled by copy_tree (DriveProvider.handle_copy), which sees the whole tree."""

    def move_properties(self, src_url: str, dest_url: str, with_children: bool,
                        environ: dict | None = None) -> None:
        """Nothing to do: the properties belong to the item, which MOVE keeps."""
