"""Drive pages: a folder (list, upload, new folder or document, rename, move, trash), a file
(preview, versions, rights, desktop links), the trash, "shared with me" and search."""
from __future__ import annotations

from flask import redirect, render_template, request, send_file, url_for

from drive import documents, rights
from drive.dav import dav_url
from drive.services import files, items, listing, search, sharing, trash
from errors import ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me

PREVIEW_TEXT = 64 * 1024
TEXT_TYPES = ("text/plain", "text/markdown", "text/csv", "application/json")
PAGE_SIZE = 100  # a folder page shows this many rows, then loads more as one scrolls (drive_rows)


def _links_of(item: object, level: int) -> list:
    """The item's public links, for those with the share right."""
    return sharing.list_links(item.id, actor=me()) if level >= rights.SHARE else []


def _to(item_id: int, message: str | None = None, tone: str = "success"):
    from flask import flash

    if message:
        flash(message, tone)
    return redirect(url_for("pages.drive_item", item_id=item_id))


def _problem(item_id: int, exc: ServiceError):
    """Show a refused action on the item's page (the request's work is rolled back)."""
    db.session.rollback()
    fields = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return _to(item_id, f"{exc.message}{' (' + fields + ')' if fields else ''}", "danger")


@pages.get("/drive")
def drive_home():
    return redirect(url_for("pages.drive_item", item_id=items.drive_root("user", me().id, actor=me()).id))


@pages.get("/drive/items/<int:item_id>")
def drive_item(item_id: int):
    item, level = items.get_item(item_id, actor=me())
    common = {"item": item, "level": level, "rights": rights, "crumbs": items.breadcrumbs(item),
              "drives": items.my_drives(actor=me()), "entries": sharing.get_rights(item.id, actor=me())[2],
              "people": sharing.subject_choices() if level >= rights.SHARE else {},
              "public_links": _links_of(item, level)}
    if item.is_folder:
        page = listing.list_page(item.id, actor=me(), limit=PAGE_SIZE)
        return render_template("drive/folder.html", children=page.rows, total=page.total, next=page.next,
                               kinds=documents.KINDS, **common)
    _item, versions = files.list_versions(item.id, actor=me())
    return render_template("drive/file.html", versions=versions, preview=_preview(item),
                           authors=files.authors_of(versions),
                           links=documents.open_links(dav_url(item, request.host_url), item.mime),
                           targets=items.move_targets(item.id, actor=me()) if level >= rights.FULL else [],
                           **common)


def _preview(item: object) -> dict:
    """What the file page shows: an image, a PDF frame, the start of a text, or nothing."""
    mime = item.mime or ""
    if mime.startswith("image/") and "svg" not in mime:
        return {"kind": "image"}
    if mime == "application/pdf":
        return {"kind": "pdf"}
    if mime in TEXT_TYPES or mime.startswith("text/"):
        _i, body, _m, _s = files.open_content(item.id, actor=me())
        with body:
            return {"kind": "text", "text": body.read(PREVIEW_TEXT).decode("utf-8", "replace")}
    return {"kind": None}


@pages.post("/drive/items/<int:item_id>/upload")
def drive_upload(item_id: int):
    request.max_content_length = files.max_upload()
    uploads = [f for f in request.files.getlist("file") if f.filename]
    if not uploads:
        return _to(item_id, "Choose one or more files first.", "warning")
    try:
        for i, f in enumerate(uploads):
            files.upload_path(item_id, f.filename, f.stream, actor=me(), field=f"file[{i}]")
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item_id, f"{len(uploads)} file(s) uploaded.")


@pages.post("/drive/items/<int:item_id>/new")
def drive_new(item_id: int):
    kind, name = request.form.get("kind", "folder"), request.form.get("name")
    try:
        made = (items.create_folder(item_id, name, actor=me()) if kind == "folder"
                else documents.create_document(item_id, kind, name, actor=me()))
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item_id if kind == "folder" else made.id, f"“{made.name}” created.")


@pages.post("/drive/items/<int:item_id>/rename")
def drive_rename(item_id: int):
    try:
        item = items.rename_item(item_id, request.form.get("name"), actor=me())
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item.id, "Renamed.")


@pages.post("/drive/items/<int:item_id>/move")
def drive_move(item_id: int):
    try:
        item = items.move_item(item_id, request.form.get("parent"), actor=me())
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item.id, "Moved.")


@pages.post("/drive/items/<int:item_id>/trash")
def drive_trash_item(item_id: int):
    try:
        item = trash.trash_item(item_id, actor=me())
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item.parent_id, f"“{item.name}” is in the trash.")


@pages.get("/drive/items/<int:item_id>/download")
def drive_download(item_id: int):
    number = request.args.get("version")
    if number is not None and not number.isdigit():
        raise ValidationError.from_fields({"version": "A version number"})
    item, body, mime, _size = files.open_content(item_id, actor=me(), number=int(number) if number else None)
    inline = request.args.get("inline") == "1" and files.safe_inline(mime)
    return send_file(body, mimetype=mime, as_attachment=not inline, download_name=item.name)


@pages.post("/drive/items/<int:item_id>/versions/<int:number>/restore")
def drive_restore_version(item_id: int, number: int):
    try:
        files.restore_version(item_id, number, actor=me())
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item_id, f"Version {number} is current again (as a new version).")


@pages.post("/drive/items/<int:item_id>/rights")
def drive_rights(item_id: int):
    """The form lists every entry (subject, id, level, sub-departments) and an empty row to add."""
    form = request.form
    entries = [{"subject": s, "id": int(i) if i.isdigit() else None, "level": lvl,
                "include_subdepartments": str(n) in form.getlist("subs")}
               for n, (s, i, lvl) in enumerate(zip(form.getlist("subject"), form.getlist("id"),
                                                   form.getlist("level"), strict=False))
               if s and lvl and lvl != "remove"]
    try:
        sharing.set_rights(item_id, entries, actor=me())
    except ServiceError as exc:
        return _problem(item_id, exc)
    return _to(item_id, "Rights saved.")


@pages.get("/drive/trash")
def drive_trash():
    rows = [(i, rights.FULL) for i in trash.list_trash(actor=me())]
    return render_template("drive/list.html", title="Trash", rows=rows, trash=True, rights=rights)


@pages.post("/drive/trash/<int:item_id>/<any(restore, purge):action>")
def drive_trash_action(item_id: int, action: str):
    from flask import flash

    try:
        if action == "restore":
            trash.restore_item(item_id, actor=me())
        else:
            trash.purge_item(item_id, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("pages.drive_trash"))


@pages.get("/drive/shared")
def drive_shared():
    return render_template("drive/list.html", title="Shared with me", rows=sharing.shared_with_me(actor=me()),
                           rights=rights)


@pages.get("/drive/search")
def drive_search():
    q = request.args.get("q", "")
    rows = search.search_items(q[:search.MAX_QUERY], actor=me()) if q.strip() else []
    return render_template("drive/list.html", title=f"Search: {q}" if q else "Search", rows=rows, q=q,
                           rights=rights)
