"""The mail.send activity: a template sent to the record's address.

SEAM: until the mail issue adds outgoing mail, `deliver` only logs a "mail" entry on the
record's timeline marked as not sent and records `<entity>.mail_requested`. The mail issue
replaces `deliver` with real sending (rendering the template, queueing the message after the
commit) and keeps its signature and result shape.
"""
from __future__ import annotations

from crm.events import record_event
from crm.services.records import _emails, get_record
from crm.services.timeline import add_entry
from engine.activities.base import ActivityContext, Param, Topic, fail, given
from engine.activities.crm_records import RECORD_PARAMS, record_ref
from errors import ServiceError
from extensions import db
from org.actors import Actor

NOT_SENT = "outgoing mail is not set up yet"


def deliver(template: str, entity: str, record_id: int, to: list[str], *, actor: Actor) -> dict:
    """SEAM for the mail issue: send `template` to `to` about a record; here it only logs."""
    reason = NOT_SENT if to else "the record has no e-mail address"
    entry = add_entry(entity, record_id, "mail", actor=actor,
                      summary=f"Mail from template {template!r} not sent: {reason}",
                      data={"template": template, "to": to, "sent": False, "reason": reason})
    record_event(f"{entity}.mail_requested", entity, record_id,
                 {"template": [None, template], "to": [None, to], "sent": [None, False]}, actor=actor)
    db.session.flush()
    return {"template": template, "to": to, "sent": False, "entry_id": entry.id}


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
    return {"mail": deliver(template, entity, record_id, recipients(entity, record_id), actor=ctx.actor)}


def recipients(entity: str, record_id: int) -> list[str]:
    """The record's first address; a deal's comes from its contact, else its company."""
    emails = _emails(entity, record_id)
    if not emails and entity == "deal":
        from crm.models import Deal

        deal = db.session.get(Deal, record_id)
        for other, other_id in (("contact", deal.contact_id), ("company", deal.company_id)):
            if other_id and not emails:
                emails = _emails(other, other_id)
    return emails[:1]


TOPICS: tuple[Topic, ...] = (
    Topic("mail.send", "Send a mail from a template to the record's e-mail address (logged on the "
          "record's timeline; until outgoing mail is set up it is logged as not sent).",
          (Param("template", "The mail template's name", required=True),) + RECORD_PARAMS,
          "mail", send,
          result_description='{"template", "to", "sent", "entry_id"}'),
)
