"""/drive/public/<token>: what a public link opens, without an account (X-Link-Password when it has one).

A file link downloads the file; a folder link lists the folder (?folder= a folder below it,
paged like /drive/items), downloads the files below it and the folder as a ZIP.
"""
from __future__ import annotations

from flask import Response, jsonify, request, send_file

from drive.serialize import public_item_to_dict
from drive.services import files, listing
from drive.services import public_links as public
from web.api import PUBLIC_ENDPOINTS, api
from web.api.openapi import op, param, path_id, register_paths

PUBLIC_ENDPOINTS.update({"api.drive_public", "api.drive_public_file", "api.drive_public_zip"})


def _shared(token: str) -> public.Shared:
    return public.open_shared(token, request.headers.get("X-Link-Password"))


@api.get("/drive/public/<token>", endpoint="drive_public")
def public_view(token: str):
    """A file link: the file; a folder link: a page of the folder (or of ?folder= below it)."""
    shared = _shared(token)
    if not shared.root.is_folder:
        item, body = public.open_file(shared, None)
        return send_file(body, mimetype=item.mime, as_attachment=True, download_name=item.name)
    page = public.list_shared(shared, request.args.get("folder"), cursor=request.args.get("cursor") or None,
                              limit=listing.parse_limit(request.args.get("limit")))
    crumbs = public.crumbs_below(shared, page.folder)
    return jsonify({"folder": public_item_to_dict(page.folder),
                    "path": [public_item_to_dict(c) for c in crumbs],
                    "items": [public_item_to_dict(r) for r, _level in page.rows],
                    "total": page.total, "next": page.next})


@api.get("/drive/public/<token>/items/<int:item_id>/content", endpoint="drive_public_file")
def public_file_view(token: str, item_id: int):
    item, body = public.open_file(_shared(token), item_id)
    return send_file(body, mimetype=item.mime, as_attachment=True, download_name=item.name)


@api.get("/drive/public/<token>/zip", endpoint="drive_public_zip")
def public_zip_view(token: str):
    """The folder (or ?folder= below it) as a ZIP, streamed; 413 past DRIVE_ZIP_MAX."""
    folder, entries = public.zip_manifest(_shared(token), request.args.get("folder"))
    return zip_response(folder, entries)


def zip_response(folder: object, entries: list) -> Response:
    """A streamed ZIP answer (the bodies are read from storage while it is sent)."""
    response = Response(public.stream_zip(files.storage(), entries), mimetype="application/zip")
    name = _quote(public.zip_name(folder))
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _paths() -> dict:
    token, pw = param("token", "path"), param("X-Link-Password", "header")
    listing_schema = {"type": "object", "description": "A folder link: a page of the folder"}
    main = op("Open a public link: a file downloads, a folder lists", tag="Drive",
              operation_id="drive_public", public=True, media="application/octet-stream",
              errors=("401", "404", "422"),
              params=[token, pw, param("folder", schema={"type": "integer", "minimum": 1}),
                      param("limit", schema={"type": "integer", "minimum": 1}), param("cursor")],
              response={"type": "string", "format": "binary"},
              description="A folder link answers JSON {folder, path, items, total, next}; ?folder= opens a "
                          "folder below the link's (never above: 404).")
    main["responses"]["200"]["content"]["application/json"] = {"schema": listing_schema}
    return {
        "/drive/public/{token}": {"get": main},
        "/drive/public/{token}/items/{item_id}/content": {"get": op(
            "Download a file below a public folder link", tag="Drive", operation_id="drive_public_file",
            public=True, media="application/octet-stream", errors=("401", "404", "422"),
            params=[token, path_id("item_id"), pw], response={"type": "string", "format": "binary"})},
        "/drive/public/{token}/zip": {"get": op(
            "A public folder link's folder as a ZIP (streamed; 413 past the size cap)", tag="Drive",
            operation_id="drive_public_zip", public=True, media="application/zip",
            errors=("401", "404", "413", "422"), response={"type": "string", "format": "binary"},
            params=[token, pw, param("folder", schema={"type": "integer", "minimum": 1})])},
    }


register_paths(_paths())
