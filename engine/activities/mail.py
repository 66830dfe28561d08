"""The mail.send activity: a template sent to the record's address.

`deliver` queues a one-recipient send job in the runtime's transaction (mail.outgoing); a worker
renders and sends it after the commit, honours the record's "do not email" flag, and logs the
sent mail on the record's timeline with an `email.sent` event. A retried step returns the
stored result (the dispatcher), so the mail is queued once per task.
"""
from __future__ import annotations

from crm.services.records import get_record
from engine.activities.base import ActivityContext, Param, Topic, fail, given
from engine.activities.crm_records import RECORD_PARAMS, record_ref
from errors import ServiceError
from org.actors import Actor


def deliver(template: str, entity: str, record_id: int, *, actor: Actor) -> dict:
    """Queue `template` about a record; {"template", "to", "sent": False, "status": "queued", "job_id"}."""
    from mail.outgoing import queue_template_mail

    return queue_template_mail(template, entity, record_id, actor=actor)


def send(params: dict, ctx: ActivityContext) -> dict:
    """Send a template to the record's first e-mail address (see the module docstring)."""
    topic = "mail.send"
    if not given(params, "template"):
        raise fail(topic, "template", "This parameter is required")
    template = str(params["template"]).strip()
    entity, record_id = record_ref(topic, params, ctx)
    try:
        get_record(entity, record_id, actor=ctx.actor)
    except ServiceError as exc:
        raise fail(topic, "id", exc.message) from exc
    try:
        return {"mail": deliver(template, entity, record_id, actor=ctx.actor)}
    except ServiceError as exc:
        raise fail(topic, "template", exc.fields.get("template", exc.message)) from exc


TOPICS: tuple[Topic, ...] = (
    Topic("mail.send", "Send a mail from a template to the record's e-mail address (sent by a worker "
          "after the step commits, logged on the record's timeline with an email.sent event; skipped "
          "when the record is marked do not email or has no address).",
          (Param("template", "The mail template's name", required=True),) + RECORD_PARAMS,
          "mail", send,
          result_description='{"template", "to", "sent": false, "status": "queued", "job_id", '
                             '"entry_id": null} -- GET /api/v1/jobs/<job_id> shows the result'),
)
