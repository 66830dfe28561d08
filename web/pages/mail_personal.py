"""My mailbox: attach/edit/detach an IMAP mailbox, read it in Flowdesk, log mail on CRM records.

The navigation badge shows the cached unread count (refreshed by the beat task and when a
message is read) -- never an IMAP round trip per page.
"""
from __future__ import annotations

from flask import flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from errors import NotFound, ServiceError, ValidationError
from extensions import db
from mail.sanitize import for_display
from mail.services import personal
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url
from web.pages.inbox import mail_unread
from web.pages.lookups import titles_by_id


def mail_badge() -> Markup:
    """The unread count beside "My mail" (the cached column, read once per request)."""
    if not has_request_context() or not current_user.is_authenticated:
        return Markup("")
    unread = mail_unread() or 0  # read with the inbox badge's counts, one statement for both
    hidden = "" if unread else " d-none"
    return Markup(f'<span id="mail-badge" class="badge rounded-pill fd-nav-badge ms-auto{hidden}" '
                  f'title="{unread} unread">{unread}</span>')


@pages.app_context_processor
def _mail_globals() -> dict:
    return {"mail_badge": mail_badge}


def _box_form(box: object | None, errors: dict | None = None, status: int = 200):
    return render_template("mail/mailbox.html", box=box, info=personal.mailbox_to_dict(box),
                           errors=errors or {}, form=request.form, messages=None, problem=None), status


@pages.get("/mail/inbox")
def my_mail():
    box = personal.my_mailbox(me())
    if box is None or request.args.get("edit"):
        return _box_form(box)
    messages, problem = None, None
    try:
        messages = personal.list_messages(actor=me())
    except ServiceError as exc:
        db.session.rollback()
        problem = exc.message
    return render_template("mail/mailbox.html", box=box, info=personal.mailbox_to_dict(box), errors={},
                           form={}, messages=messages, problem=problem)


@pages.post("/mail/mailbox")
def my_mailbox_save():
    data = {k: request.form.get(k, "") for k in ("host", "port", "tls", "user", "folder")}
    data["password"] = request.form.get("password") or None
    try:
        personal.save_mailbox(data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _box_form(personal.my_mailbox(me()), exc.fields, status=422)
    flash("Your mailbox is attached.", "success")
    return redirect(url_for("pages.my_mail"))


@pages.post("/mail/mailbox/detach")
def my_mailbox_detach():
    personal.detach_mailbox(actor=me())
    flash("Your mailbox was detached.", "success")
    return redirect(url_for("pages.my_mail"))


@pages.get("/mail/inbox/<int:uid>")
def my_mail_read(uid: int):
    try:
        message = personal.read_message(uid, actor=me())
    except NotFound:
        raise
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("pages.my_mail"))
    allow = request.args.get("images") == "1"
    html, blocked = for_display(message["html"], {}, allow_remote=allow) if message["html"] else (None, 0)
    records = [{**r, "title": titles_by_id(r["entity"], [r["id"]], me()).get(r["id"]),
                "url": record_url(r["entity"], r["id"])} for r in message.get("records", [])]
    return render_template("mail/my_message.html", message=message, html=html, blocked=blocked, images=allow,
                           records=records)


@pages.post("/mail/inbox/<int:uid>/log")
def my_mail_log(uid: int):
    try:
        result = personal.log_message(uid, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        flash("; ".join(exc.fields.values()) or exc.message, "warning")
        return redirect(url_for("pages.my_mail_read", uid=uid))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("pages.my_mail"))
    count = len(result["records"])
    flash(f"Logged on {count} record{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("pages.mail_message", mail_id=result["mail_id"]))
