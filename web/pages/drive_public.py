"""Public link pages (no account): a file to download, or a folder to browse below the link's
folder (never above), its files and a ZIP of it; a password form for protected links."""
from __future__ import annotations

from flask import redirect, render_template, request, send_file, session, url_for

from drive.services import public_links as public
from errors import Unauthorized
from web.pages import pages
from web.pages.common import PUBLIC_ENDPOINTS

PUBLIC_ENDPOINTS.update({"pages.drive_public", "pages.drive_public_unlock", "pages.drive_public_rows",
                         "pages.drive_public_file", "pages.drive_public_zip"})
PAGE_SIZE = 100
_UNLOCKED = "drive_links_unlocked"  # link ids whose password this browser session gave


def _shared(token: str) -> public.Shared:
    """The open link; its password is asked once per browser session."""
    row = public.find_link(token)
    return public.open_shared(token, None, unlocked=row.id in session.get(_UNLOCKED, []))


@pages.get("/drive/public/<token>")
def drive_public(token: str):
    try:
        shared = _shared(token)
    except Unauthorized:
        return render_template("drive/public_password.html", token=token, error=None), 401
    if not shared.root.is_folder:
        return render_template("drive/public.html", token=token, shared=shared, item=shared.root)
    page = public.list_shared(shared, request.args.get("folder"), limit=PAGE_SIZE, cursor=None)
    return render_template("drive/public.html", token=token, shared=shared, item=page.folder,
                           crumbs=public.crumbs_below(shared, page.folder), page=page)


@pages.post("/drive/public/<token>")
def drive_public_unlock(token: str):
    try:
        link = public.check_password(token, request.form.get("password") or None)
    except Unauthorized:
        return render_template("drive/public_password.html", token=token, error="Wrong password."), 401
    session[_UNLOCKED] = [*session.get(_UNLOCKED, [])[-49:], link.id]
    return redirect(url_for("pages.drive_public", token=token))


@pages.get("/drive/public/<token>/rows")
def drive_public_rows(token: str):
    """The next page of a folder's rows (htmx, when the last row scrolls into view)."""
    shared = _shared(token)
    page = public.list_shared(shared, request.args.get("folder"), limit=PAGE_SIZE,
                              cursor=request.args.get("cursor") or None)
    return render_template("drive/_public_rows.html", token=token, item=page.folder, page=page)


@pages.get("/drive/public/<token>/files/<int:item_id>")
def drive_public_file(token: str, item_id: int):
    item, body = public.open_file(_shared(token), item_id)
    return send_file(body, mimetype=item.mime, as_attachment=True, download_name=item.name)


@pages.get("/drive/public/<token>/zip")
def drive_public_zip(token: str):
    from web.api.drive_public import zip_response

    folder, entries = public.zip_manifest(_shared(token), request.args.get("folder"))
    return zip_response(folder, entries)
