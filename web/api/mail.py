"""Mail API: templates, sending (jobs), received mail (unassigned, failed, attachments), my mailbox."""
from __future__ import annotations

from flask import g, jsonify, request, send_file

from mail.services import jobs, personal, received, templates
from web.api import api, id_arg, json_body, page_args
from web.api.mail_docs import register_mail_docs

# ---- templates -----------------------------------------------------------------------------

@api.get("/mail/templates")
def list_mail_templates():
    return jsonify({"items": [templates.template_to_dict(t) for t in templates.list_templates()]})


@api.post("/mail/templates")
def create_mail_template():
    return jsonify(templates.template_to_dict(templates.create_template(json_body(), actor=g.actor))), 201


@api.get("/mail/templates/<int:template_id>")
def get_mail_template(template_id: int):
    return jsonify(templates.template_to_dict(templates.get_template(template_id)))


@api.patch("/mail/templates/<int:template_id>")
def update_mail_template(template_id: int):
    template = templates.update_template(template_id, json_body(), actor=g.actor)
    return jsonify(templates.template_to_dict(template))


@api.delete("/mail/templates/<int:template_id>")
def delete_mail_template(template_id: int):
    templates.delete_template(template_id, actor=g.actor)
    return "", 204


@api.post("/mail/templates/<int:template_id>/preview")
def preview_mail_template(template_id: int):
    return jsonify(templates.preview(json_body(), actor=g.actor, template_id=template_id))


@api.post("/mail/templates/preview")
def preview_mail_text():
    return jsonify(templates.preview(json_body(), actor=g.actor))


# ---- sending and jobs ----------------------------------------------------------------------

@api.post("/mail/send")
def send_mail():
    return jsonify(jobs.job_to_dict(jobs.start_send(json_body(), actor=g.actor))), 202


@api.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    return jsonify(jobs.job_to_dict(jobs.get_job(job_id, actor=g.actor)))


@api.get("/jobs/<int:job_id>/items")
def get_job_items(job_id: int):
    job = jobs.get_job(job_id, actor=g.actor)
    limit, _cursor = page_args()
    items = jobs.job_items(job, status=request.args.get("status") or None, limit=limit,
                           after_id=id_arg("after"))
    return jsonify({"items": [jobs.item_to_dict(i) for i in items]})


@api.post("/jobs/<int:job_id>/retry")
def retry_job(job_id: int):
    return jsonify(jobs.job_to_dict(jobs.retry_failed(job_id, actor=g.actor))), 202


# ---- received mail -------------------------------------------------------------------------

def _message_page(status: str):
    limit, cursor = page_args()
    page = received.list_messages(status, actor=g.actor, limit=limit, cursor=cursor)
    return jsonify({"items": [received.message_to_dict(m) for m in page.items], "next": page.next})


@api.get("/mail/unassigned")
def list_unassigned_mail():
    return _message_page("unassigned")


@api.get("/mail/failed")
def list_failed_mail():
    return _message_page("failed")


@api.post("/mail/failed/<int:mail_id>/retry")
def retry_failed_mail(mail_id: int):
    row = received.retry_failed(mail_id, actor=g.actor)
    return jsonify(received.message_to_dict(row, actor=g.actor, full=True))


@api.get("/mail/messages/<int:mail_id>")
def get_mail_message(mail_id: int):
    row = received.get_message(mail_id, actor=g.actor)
    return jsonify(received.message_to_dict(row, actor=g.actor, full=True))


@api.post("/mail/messages/<int:mail_id>/attach")
def attach_mail_message(mail_id: int):
    row = received.attach(mail_id, json_body(), actor=g.actor)
    return jsonify(received.message_to_dict(row, actor=g.actor, full=True))


@api.get("/mail/attachments/<int:attachment_id>")
def download_mail_attachment(attachment_id: int):
    found, path = received.attachment_file(attachment_id, actor=g.actor)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True,
                     download_name=found.filename or f"attachment-{found.id}")


# ---- my mailbox ----------------------------------------------------------------------------

@api.get("/me/mailbox")
def get_my_mailbox():
    return jsonify(personal.mailbox_to_dict(personal.my_mailbox(g.actor)))


@api.put("/me/mailbox")
def put_my_mailbox():
    return jsonify(personal.mailbox_to_dict(personal.save_mailbox(json_body(), actor=g.actor)))


@api.delete("/me/mailbox")
def delete_my_mailbox():
    personal.detach_mailbox(actor=g.actor)
    return "", 204


@api.get("/me/mailbox/messages")
def list_my_mail():
    return jsonify({"items": personal.list_messages(actor=g.actor)})


@api.get("/me/mailbox/messages/<int:uid>")
def read_my_mail(uid: int):
    return jsonify(personal.read_message(uid, actor=g.actor))


@api.post("/me/mailbox/messages/<int:uid>/log")
def log_my_mail(uid: int):
    return jsonify(personal.log_message(uid, actor=g.actor)), 201


register_mail_docs()
