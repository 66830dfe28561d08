"""Mail settings (SMTP with a test mail, the Send&Save CRM mailbox) and mail templates."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.entities import ENTITIES
from errors import NotFound, ValidationError
from extensions import db
from mail.services import settings as svc
from mail.services import templates as tpl
from mail.services.common import require_admin
from mail.services.recipients import MAIL_ENTITIES
from web.pages import pages
from web.pages.common import me


def _settings_page(smtp_errors: dict | None = None, crm_errors: dict | None = None, test: dict | None = None,
                   status: int = 200):
    return render_template("mail/settings.html", smtp=svc.settings_for("smtp", actor=me()),
                           crm=svc.settings_for("crm-mailbox", actor=me()), smtp_errors=smtp_errors or {},
                           crm_errors=crm_errors or {}, test=test, form=request.form), status


@pages.get("/settings/mail")
def mail_settings():
    return _settings_page()


@pages.get("/settings/mail/state")
def mail_settings_state():
    """The CRM mailbox's state card (htmx refreshes it while a poll or back-fill runs)."""
    return render_template("mail/_mailbox_state.html", crm=svc.settings_for("crm-mailbox", actor=me()))


def _form_password() -> str | None:
    """A blank password field keeps the stored password."""
    return request.form.get("password") or None


@pages.post("/settings/mail/smtp")
def mail_settings_smtp():
    names = ("host", "port", "security", "user", "from_address", "from_name")
    data = {k: request.form.get(k, "") for k in names}
    data["password"] = "" if request.form.get("clear_password") else _form_password()
    try:
        svc.save_smtp(data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _settings_page(smtp_errors=exc.fields, status=422)
    flash("SMTP settings saved.", "success")
    return redirect(url_for("pages.mail_settings"))


@pages.post("/settings/mail/smtp/test")
def mail_settings_test():
    try:
        result = svc.send_test_mail(request.form.get("to", ""), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _settings_page(test={"ok": False, "answer": exc.fields.get("to", exc.message)}, status=422)
    return _settings_page(test=result)


@pages.post("/settings/mail/crm-mailbox")
def mail_settings_crm():
    form = request.form
    data = {k: form.get(k, "") for k in ("host", "port", "tls", "user", "folder", "address", "unmatched")}
    data["password"] = _form_password()
    data["enabled"] = bool(form.get("enabled"))
    patterns = {e: form.get(f"pattern_{e}", "").strip() for e in MAIL_ENTITIES}
    data["subject_patterns"] = {e: p for e, p in patterns.items() if p}  # blank: the default
    try:
        svc.save_crm_mailbox(data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _settings_page(crm_errors=exc.fields, status=422)
    flash("CRM mailbox settings saved.", "success")
    return redirect(url_for("pages.mail_settings"))


@pages.post("/settings/mail/crm-mailbox/poll")
def mail_settings_poll():
    svc.request_poll(actor=me())
    flash("The CRM mailbox will be read now.", "success")
    return redirect(url_for("pages.mail_settings"))


# ---- templates -----------------------------------------------------------------------------

@pages.get("/mail/templates")
def mail_templates():
    return render_template("mail/templates.html", templates=tpl.list_templates())


def _template_form(template: object | None, errors: dict | None = None, preview: dict | None = None,
                   status: int = 200):
    return render_template("mail/template_form.html", template=template, errors=errors or {}, preview=preview,
                           form=request.form, entities=[ENTITIES[e] for e in MAIL_ENTITIES]), status


@pages.route("/mail/templates/new", methods=["GET", "POST"])
def mail_template_new():
    require_admin(me(), "edit mail templates")
    if request.method == "GET":
        return _template_form(None)
    try:
        template = tpl.create_template(_template_data(), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _template_form(None, exc.fields, status=422)
    flash(f"Template “{template.name}” created.", "success")
    return redirect(url_for("pages.mail_template_edit", template_id=template.id))


def _template_data() -> dict:
    return {k: request.form.get(k, "") for k in ("name", "subject", "body")}


@pages.route("/mail/templates/<int:template_id>", methods=["GET", "POST"])
def mail_template_edit(template_id: int):
    template = tpl.get_template(template_id)
    if request.method == "GET":
        return _template_form(template)
    try:
        tpl.update_template(template_id, _template_data(), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _template_form(template, exc.fields, status=422)
    flash("Template saved.", "success")
    return redirect(url_for("pages.mail_template_edit", template_id=template_id))


@pages.post("/mail/templates/<int:template_id>/preview")
def mail_template_preview(template_id: int):
    """Render the subject and body in the form against the chosen record (unsaved text too)."""
    template = tpl.get_template(template_id)
    data = {"entity": request.form.get("entity", ""), "id": request.form.get("record_id", "").strip(),
            "subject": request.form.get("subject", template.subject),
            "body": request.form.get("body", template.body)}
    data["id"] = int(data["id"]) if data["id"].isdigit() else data["id"]
    try:
        preview = tpl.preview(data, actor=me())
    except (ValidationError, NotFound) as exc:
        db.session.rollback()
        preview = {"error": "; ".join(getattr(exc, "fields", {}).values()) or exc.message}
    return _template_form(template, preview=preview)


@pages.post("/mail/templates/<int:template_id>/delete")
def mail_template_delete(template_id: int):
    tpl.delete_template(template_id, actor=me())
    flash("Template deleted.", "success")
    return redirect(url_for("pages.mail_templates"))
