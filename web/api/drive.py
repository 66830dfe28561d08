"""/drive: folders and files, upload and download, versions, the trash, quotas."""
from __future__ import annotations

from flask import g, jsonify, request, send_file

from drive import documents
from drive.models import DriveItem
from drive.serialize import item_to_dict, version_to_dict
from drive.services import files, items, listing, search, trash
from errors import ValidationError
from web.api import api, json_body


def _item(item: DriveItem, level: int) -> dict:
    return item_to_dict(item, level)


def _listing(pairs: list[tuple[DriveItem, int]]) -> dict:
    return {"items": [_item(i, lvl) for i, lvl in pairs]}


def _raise_upload_limit() -> None:
    """Drive uploads may be larger than other requests (DRIVE_MAX_UPLOAD, all files together)."""
    request.max_content_length = files.max_upload()


@api.get("/drive/drives", endpoint="drive_drives")
def drives_view():
    roots = items.my_drives(actor=g.actor)
    return jsonify({"items": [_item(r, items.get_item(r.id, actor=g.actor)[1]) for r in roots]})


@api.get("/drive/items", endpoint="drive_list")
def list_view():
    parent = request.args.get("parent")
    if parent is None:
        parent = items.drive_root("user", g.actor.id, actor=g.actor).id
    page = listing.list_page(parent, actor=g.actor, limit=listing.parse_limit(request.args.get("limit")),
                             cursor=request.args.get("cursor") or None)
    return jsonify({"folder": _item(page.folder, page.level), **_listing(page.rows), "total": page.total,
                    "next": page.next})


@api.post("/drive/items", endpoint="drive_create")
def create_view():
    """multipart/form-data: upload files (field "file", many); JSON: a folder or a new document."""
    if request.mimetype == "multipart/form-data":
        _raise_upload_limit()
        parent = request.form.get("parent")
        uploads = request.files.getlist("file")
        if not uploads:
            raise ValidationError.from_fields({"file": "Send one or more files in the field \"file\""})
        made = [files.upload_path(parent, f.filename, f.stream, actor=g.actor, field=f"file[{i}]")
                for i, f in enumerate(uploads)]
        return jsonify({"items": [_item(m, items.get_item(m.id, actor=g.actor)[1]) for m in made]}), 201
    data = json_body()
    if data.get("template") is not None:
        made = documents.create_document(data.get("parent"), data["template"], data.get("name"),
                                         actor=g.actor)
    elif data.get("kind", "folder") == "folder":
        made = items.create_folder(data.get("parent"), data.get("name"), actor=g.actor)
    else:
        raise ValidationError.from_fields({"kind": "folder (upload files with multipart/form-data)"})
    return jsonify(_item(made, items.get_item(made.id, actor=g.actor)[1])), 201


@api.post("/drive/items/from-mail", endpoint="drive_from_mail")
def from_mail_view():
    """Save a received mail's attachment (Send&Save, personal mail) into a folder."""
    from drive.services.attachments import save_mail_attachment

    data = json_body()
    item = save_mail_attachment(data.get("attachment_id"), data.get("parent"), actor=g.actor,
                                name=data.get("name"))
    return jsonify(_item(*items.get_item(item.id, actor=g.actor))), 201


@api.get("/drive/items/<int:item_id>", endpoint="drive_get")
def get_view(item_id: int):
    return jsonify(_item(*items.get_item(item_id, actor=g.actor)))


@api.patch("/drive/items/<int:item_id>", endpoint="drive_update")
def update_view(item_id: int):
    data = json_body()
    unknown = {k: "Unknown field" for k in data if k not in ("name", "parent")}
    if unknown or not data:
        raise ValidationError.from_fields(unknown or {"name": "Send name and/or parent"})
    if data.get("parent") is not None:
        item = items.move_item(item_id, data["parent"], actor=g.actor, name=data.get("name"))
    else:
        item = items.rename_item(item_id, data.get("name"), actor=g.actor)
    return jsonify(_item(*items.get_item(item.id, actor=g.actor)))


@api.delete("/drive/items/<int:item_id>", endpoint="drive_trash")
def trash_view(item_id: int):
    item = trash.trash_item(item_id, actor=g.actor)
    return jsonify(_item(*items.get_item(item.id, actor=g.actor, trashed_ok=True)))


@api.post("/drive/items/<int:item_id>/copy", endpoint="drive_copy")
def copy_view(item_id: int):
    data = json_body()
    made = items.copy_item(item_id, data.get("parent"), actor=g.actor, name=data.get("name"))
    return jsonify(_item(*items.get_item(made.id, actor=g.actor))), 201


@api.get("/drive/items/<int:item_id>/content", endpoint="drive_download")
def download_view(item_id: int):
    number = request.args.get("version")
    if number is not None and not number.isdigit():
        raise ValidationError.from_fields({"version": "A version number"})
    item, body, mime, size = files.open_content(item_id, actor=g.actor,
                                                number=int(number) if number else None)
    # Only types that cannot run script are shown inline; everything else is a download.
    inline = request.args.get("inline") == "1" and files.safe_inline(mime)
    response = send_file(body, mimetype=mime, as_attachment=not inline, download_name=item.name,
                         etag=f"{item.id}-{number or item.version_no}", conditional=True)
    response.headers["Content-Length"] = str(size)
    return response


@api.put("/drive/items/<int:item_id>/content", endpoint="drive_save")
def save_view(item_id: int):
    """The body is the new version; If-Match: the version it replaces (409 when another came first)."""
    _raise_upload_limit()
    expected = request.headers.get("If-Match", "").strip('"W/ ')
    if expected and not expected.isdigit():
        raise ValidationError.from_fields({"If-Match": "The version number being replaced"})
    item = files.save_content(item_id, request.stream, actor=g.actor,
                              expected=int(expected) if expected else None)
    return jsonify(_item(*items.get_item(item.id, actor=g.actor))), 201


@api.get("/drive/items/<int:item_id>/versions", endpoint="drive_versions")
def versions_view(item_id: int):
    _item_row, rows = files.list_versions(item_id, actor=g.actor)
    return jsonify({"items": [version_to_dict(r) for r in rows]})


@api.post("/drive/items/<int:item_id>/versions/<int:number>/restore", endpoint="drive_restore_version")
def restore_version_view(item_id: int, number: int):
    item = files.restore_version(item_id, number, actor=g.actor)
    return jsonify(_item(*items.get_item(item.id, actor=g.actor))), 201


@api.get("/drive/trash", endpoint="drive_trash_list")
def trash_list_view():
    return jsonify({"items": [_item(i, 4) for i in trash.list_trash(actor=g.actor)]})


@api.post("/drive/items/<int:item_id>/restore", endpoint="drive_restore")
def restore_view(item_id: int):
    item = trash.restore_item(item_id, actor=g.actor)
    return jsonify(_item(*items.get_item(item.id, actor=g.actor)))


@api.delete("/drive/trash/<int:item_id>", endpoint="drive_purge")
def purge_view(item_id: int):
    return jsonify({"deleted": trash.purge_item(item_id, actor=g.actor)})


@api.get("/drive/search", endpoint="drive_search")
def search_view():
    """Items the caller may read, best match first; each with its snippet and score, paged."""
    args = request.args
    found = search.search_files(args.get("q"), actor=g.actor, limit=args.get("limit", search.MAX_LIMIT),
                                offset=args.get("offset", 0))
    hits = [{**_item(h.item, h.level), "snippet": h.snippet, "score": round(h.score, 6)} for h in found.hits]
    return jsonify({"items": hits, "terms": found.terms, "offset": found.offset,
                    "next_offset": found.next_offset})


@api.get("/drive/items/<int:item_id>/open", endpoint="drive_open")
def open_view(item_id: int):
    """The WebDAV URL of a file and the links that open it in LibreOffice or Microsoft Office."""
    from drive.dav import dav_url

    item, _ = items.get_item(item_id, actor=g.actor)
    return jsonify(documents.open_links(dav_url(item, request.host_url), item.mime))


@api.get("/drive/settings", endpoint="drive_settings")
def settings_view():
    from org.admin import require_admin

    require_admin(g.actor)
    return jsonify(files.drive_settings())


@api.put("/drive/settings", endpoint="drive_settings_save")
def settings_save_view():
    return jsonify(files.save_drive_settings(json_body(), actor=g.actor))
