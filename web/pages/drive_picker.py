"""Drive pages beside the folder page: more rows of a folder (htmx), public links, and the picker
that attaches a drive file to a CRM record or saves an attachment into a drive folder."""
from __future__ import annotations

from datetime import datetime, time

from flask import flash, redirect, render_template, request, url_for

from crm.entities import ENTITIES, names
from drive import rights
from drive.services import attachments, files, items, listing, sharing
from errors import ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url

PAGE_SIZE = 100
PICK_MODES = ("attach", "save")


@pages.get("/drive/items/<int:item_id>/rows")
def drive_rows(item_id: int):
    """The next page of a folder's rows (htmx, when the last row scrolls into view)."""
    page = listing.list_page(item_id, actor=me(), limit=PAGE_SIZE, cursor=request.args.get("cursor") or None)
    return render_template("drive/_rows.html", item=page.folder, children=page.rows, next=page.next,
                           rights=rights)


@pages.post("/drive/items/<int:item_id>/links")
def drive_link_create(item_id: int):
    """A public link (share right); its address is shown once, in the message."""
    day = request.form.get("expires", "").strip()
    try:
        expires = datetime.combine(datetime.fromisoformat(day).date(), time(23, 59)) if day else None
    except ValueError:
        expires = None
        flash("The expiry is not a date; the link was made without one.", "warning")
    try:
        token, _row = sharing.create_link(item_id, actor=me(), expires_at=expires,
                                          password=request.form.get("password") or None)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("pages.drive_item", item_id=item_id))
    address = url_for("pages.drive_public", token=token, _external=True)
    flash(f"Public link (copy it now, it is shown once): {address}", "success")
    return redirect(url_for("pages.drive_item", item_id=item_id))


@pages.post("/drive/links/<int:link_id>/revoke")
def drive_link_revoke(link_id: int):
    row = sharing.revoke_link(link_id, actor=me())
    flash("The link no longer opens anything.", "success")
    return redirect(url_for("pages.drive_item", item_id=row.item_id))


def _pick_args() -> dict:
    """What the picker is for: attaching to a record, or saving an attachment or a drive file."""
    args, mode = request.values, request.values.get("for", "")
    if mode not in PICK_MODES:
        raise ValidationError.from_fields({"for": "attach or save"})
    if mode == "attach":
        if args.get("entity") not in ENTITIES:  # records, not tasks
            raise ValidationError.from_fields({"entity": f"One of {names(records_only=True)}"})
        return {"for": mode, "entity": args["entity"], "record": args.get("record", type=int)}
    found = {k: args.get(k, type=int) for k in ("attachment", "item") if args.get(k, type=int)}
    if len(found) != 1:
        raise ValidationError.from_fields({"attachment": "An attachment or a drive item to save"})
    return {"for": mode, **found, "next": _safe_next(args.get("next"))}


def _safe_next(url: str | None) -> str | None:
    """Only a path on this site (never //host or a scheme) to come back to."""
    return url if url and url.startswith("/") and not url.startswith("//") and "\\" not in url else None


@pages.get("/drive/pick")
def drive_pick():
    """Browse one's drives: files to attach (read right), or a folder to save into (edit right)."""
    args = _pick_args()
    folder_id = request.args.get("folder") or items.drive_root("user", me().id, actor=me()).id
    page = listing.list_page(folder_id, actor=me(), limit=PAGE_SIZE,
                             cursor=request.args.get("cursor") or None)
    back = (record_url(args["entity"], args["record"]) if args["for"] == "attach" and args["record"]
            else args.get("next"))
    return render_template("drive/pick.html", args=args, page=page, folder=page.folder, rights=rights,
                           crumbs=items.breadcrumbs(page.folder), drives=items.my_drives(actor=me()),
                           back=back, spec=ENTITIES.get(args.get("entity", "")))


@pages.post("/drive/pick/attach")
def drive_pick_attach():
    args = _pick_args()
    try:
        attachments.attach_file(args["entity"], args["record"] or 0, request.form.get("item", type=int),
                                actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message + "".join(f" ({v})" for v in exc.fields.values()), "danger")
        return redirect(request.referrer or url_for("pages.drive_home"))
    flash("The file is attached.", "success")
    return redirect(record_url(args["entity"], args["record"]) + "#record-files")


@pages.post("/drive/pick/save")
def drive_pick_save():
    args, folder = _pick_args(), request.form.get("folder", type=int)
    try:
        if "attachment" in args:
            made = attachments.save_mail_attachment(args["attachment"], folder, actor=me())
        else:
            made = items.copy_item(args["item"], folder, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message + "".join(f" ({v})" for v in exc.fields.values()), "danger")
        return redirect(request.referrer or url_for("pages.drive_home"))
    flash(f"“{made.name}” saved to the drive.", "success")
    return redirect(args.get("next") or url_for("pages.drive_item", item_id=made.id))


@pages.post("/<records:plural>/<int:record_id>/attach-upload")
def record_attach_upload(plural: str, record_id: int):
    """Upload a file into one's folder "CRM attachments" and attach it to the record."""
    from web.pages.records import spec_for

    spec = spec_for(plural)
    request.max_content_length = files.max_upload()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError.from_fields({"file": "Choose a file"})
        attachments.attach_upload(spec.name, record_id, upload.filename, upload.stream, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message + "".join(f" ({v})" for v in exc.fields.values()), "danger")
    else:
        flash("The file is attached.", "success")
    return redirect(record_url(spec.name, record_id) + "#record-files")
