"""Mail pages: send to records (a job with live progress), received mail, unassigned and failed mail."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for

from crm.entities import ENTITIES
from errors import Conflict, NotFound, ValidationError
from extensions import db
from mail.models import MailMessage
from mail.sanitize import for_display, frame_policy
from mail.services import jobs, received
from mail.services.recipients import MAIL_ENTITIES
from mail.services.templates import list_templates
from mail.states import MessageStatus
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url
from web.pages.lookups import titles_by_id

INLINE_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")  # never SVG: it can script


def _ids() -> list[int]:
    return [int(i) for i in request.values.getlist("ids") if i.isdigit()]


@pages.route("/mail/send", methods=["GET", "POST"])
def mail_send():
    """Choose a template for the records selected in a list (or one record), then start the job."""
    entity = request.values.get("entity", "")
    if entity not in MAIL_ENTITIES:
        abort(404)
    ids, error = _ids(), None
    if request.method == "POST":
        try:
            job = jobs.start_send({"template_id": request.form.get("template_id", type=int), "entity": entity,
                                   "ids": ids}, actor=me())
        except ValidationError as exc:
            db.session.rollback()
            error = "; ".join(exc.fields.values()) or exc.message
        else:
            return redirect(url_for("pages.mail_job", job_id=job.id))
    titles = titles_by_id(entity, ids, me())
    return render_template("mail/send.html", spec=ENTITIES[entity], ids=ids, titles=titles,
                           templates=list_templates(), error=error), 422 if error else 200


@pages.get("/mail/jobs/<int:job_id>")
def mail_job(job_id: int):
    job = jobs.get_job(job_id, actor=me())
    return render_template("mail/job.html", job=job, info=jobs.job_to_dict(job), items=_item_rows(job))


@pages.get("/mail/jobs/<int:job_id>/progress")
def mail_job_progress(job_id: int):
    """The progress card (htmx polls it until the job is done)."""
    job = jobs.get_job(job_id, actor=me())
    return render_template("mail/_job_progress.html", job=job, info=jobs.job_to_dict(job),
                           items=_item_rows(job))


def _item_rows(job: object) -> list[dict]:
    items = jobs.job_items(job, limit=500)
    titles = titles_by_id(items[0].entity, [i.record_id for i in items], me()) if items else {}
    return [{"item": i, "title": titles.get(i.record_id),
             "url": record_url(i.entity, i.record_id) if titles.get(i.record_id) else None} for i in items]


@pages.post("/mail/jobs/<int:job_id>/retry")
def mail_job_retry(job_id: int):
    jobs.retry_failed(job_id, actor=me())
    flash("The failed messages will be sent again.", "success")
    return redirect(url_for("pages.mail_job", job_id=job_id))


# ---- received mail -------------------------------------------------------------------------

@pages.get("/mail/unassigned")
def mail_unassigned():
    page = received.list_messages(MessageStatus.UNASSIGNED, actor=me(), limit=50,
                                  cursor=request.args.get("cursor") or None)
    return render_template("mail/received_list.html", kind="unassigned", page=page,
                           entities=[ENTITIES[e] for e in MAIL_ENTITIES])


@pages.get("/mail/failed")
def mail_failed():
    cursor = request.args.get("cursor") or None
    page = received.list_messages(MessageStatus.FAILED, actor=me(), limit=50, cursor=cursor)
    return render_template("mail/received_list.html", kind="failed", page=page, entities=[])


@pages.post("/mail/failed/<int:mail_id>/retry")
def mail_failed_retry(mail_id: int):
    try:
        row = received.retry_failed(mail_id, actor=me())
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("pages.mail_failed"))
    if row.status == MessageStatus.FAILED:
        flash(f"Still failing: {row.reason}", "warning")
        return redirect(url_for("pages.mail_failed"))
    flash("The message was read and filed.", "success")
    return redirect(url_for("pages.mail_message", mail_id=row.id))


@pages.post("/mail/messages/<int:mail_id>/attach")
def mail_attach(mail_id: int):
    record_id = request.form.get("record_id", "").strip()
    data = {"entity": request.form.get("entity", ""),
            "id": int(record_id) if record_id.isdigit() else record_id}
    try:
        received.attach(mail_id, data, actor=me())
    except (ValidationError, NotFound, Conflict) as exc:
        db.session.rollback()
        flash("; ".join(getattr(exc, "fields", {}).values()) or exc.message, "danger")
        return redirect(request.referrer or url_for("pages.mail_message", mail_id=mail_id))
    flash("The mail is now on the record's timeline.", "success")
    return redirect(record_url(data["entity"], data["id"]))


@pages.get("/mail/messages/<int:mail_id>")
def mail_message(mail_id: int):
    row = received.get_message(mail_id, actor=me())
    info = received.message_to_dict(row, actor=me(), full=True)
    _, blocked = for_display(row.body_html or "", {}, allow_remote=False)
    records = [{**r, "title": titles_by_id(r["entity"], [r["id"]], me()).get(r["id"]),
                "url": record_url(r["entity"], r["id"])} for r in info["records"]]
    return render_template("mail/message.html", row=row, info=info, records=records, blocked=blocked,
                           images=request.args.get("images") == "1",
                           entities=[ENTITIES[e] for e in MAIL_ENTITIES])


@pages.get("/mail/messages/<int:mail_id>/body")
def mail_message_body(mail_id: int):
    """The body as its own document for a sandboxed frame: sanitised HTML, remote images only if asked."""
    row = received.get_message(mail_id, actor=me())
    allow = request.args.get("images") == "1"
    html = _body_html(row, allow)
    document = render_template("mail/_body.html", html=html, text=row.body_text)
    response = Response(document, mimetype="text/html")
    response.headers["Content-Security-Policy"] = frame_policy(allow_remote=allow)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _body_html(row: MailMessage, allow_remote: bool) -> str | None:
    if not row.body_html:
        return None
    images = {a.content_id: url_for("pages.mail_attachment", attachment_id=a.id)
              for a in received.attachments_of(row) if a.content_id}
    return for_display(row.body_html, images, allow_remote=allow_remote)[0]


@pages.get("/mail/attachments/<int:attachment_id>")
def mail_attachment(attachment_id: int):
    found, path = received.attachment_file(attachment_id, actor=me())
    inline = found.content_type in INLINE_IMAGES and request.args.get("download") != "1"
    response = send_file(path, mimetype=found.content_type if inline else "application/octet-stream",
                         as_attachment=not inline, download_name=found.filename or f"attachment-{found.id}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
