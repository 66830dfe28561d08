"""The outbox of system mails (administrators): states, links to copy, sending held mail."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from errors import ValidationError
from extensions import db
from mail import outbox
from web.pages import pages
from web.pages.common import me

PER_PAGE = 50


@pages.get("/settings/mail/outbox")
def mail_outbox():
    state = request.args.get("state") or None
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    try:
        rows, total = outbox.list_outbox(actor=me(), state=state, page=max(page, 1), per_page=PER_PAGE)
    except ValidationError:
        db.session.rollback()
        return redirect(url_for("pages.mail_outbox"))
    return render_template("mail/outbox.html", rows=rows, total=total, state=state, page=page,
                           pages=max(1, -(-total // PER_PAGE)), states=list(outbox.OutboxState),
                           link_of=outbox.copyable_link)


@pages.post("/settings/mail/outbox/release")
def mail_outbox_release():
    count = outbox.release_held(actor=me())
    flash(f"{count} mail(s) queued to be sent again." if count else "No held mail to send.", "success")
    return redirect(url_for("pages.mail_outbox"))
