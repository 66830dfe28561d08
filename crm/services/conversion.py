"""Lead conversion: contact, company and deal pre-filled from the lead and linked."""
from __future__ import annotations

from crm import access
from crm.entities import ENTITIES
from crm.event_types import Change
from crm.events import record_change, record_update
from crm.models import Lead
from crm.serialize import json_value
from crm.services.records import _emails, create_record, get_record
from crm.services.timeline import add_entry
from crm.states import LEAD_CONVERTED, TimelineKind
from errors import Conflict, ValidationError
from extensions import db
from org.actors import Actor

TARGETS = ENTITIES["lead"].converts_to  # contact, company, deal: one flag of convert_lead each

def convert_lead(lead_id: int, *, contact: bool, company: bool, deal: bool, actor: Actor) -> dict:
    """Create the chosen records from the lead, mark it CONVERTED; refuse a second time."""
    # Locked: of two conversions at once the second waits and then finds it CONVERTED (409).
    lead: Lead = get_record("lead", lead_id, actor=actor, action="edit", lock=True)
    if lead.status == LEAD_CONVERTED:
        raise Conflict(f"Lead {lead.id} is already converted")
    if not (contact or company or deal):
        raise ValidationError.from_fields({"contact": f"Choose at least one of {', '.join(TARGETS)}"})
    for entity, wanted in zip(TARGETS, (contact, company, deal), strict=True):
        if wanted:
            access.require(actor, entity, "add")
    made: dict = dict.fromkeys(TARGETS)
    emails = _emails("lead", lead.id)
    base = {"responsible_id": lead.responsible_id, "phones": list(lead.phones or [])}
    if company:
        made["company"] = _make("company", lead, actor, {
            **base, "emails": [] if contact else emails,
            "title": lead.company_name or lead.title})
    if contact:
        first_name, last_name = _person(lead, emails)
        made["contact"] = _make("contact", lead, actor, {
            **base, "emails": emails, "first_name": first_name, "last_name": last_name,
            "company_id": made["company"].id if made["company"] else None})
    if deal:
        made["deal"] = _make("deal", lead, actor, {
            "title": lead.title, "amount": json_value(lead.amount), "currency": lead.currency,
            "responsible_id": lead.responsible_id, "lead_id": lead.id,
            "contact_id": made["contact"].id if made["contact"] else None,
            "company_id": made["company"].id if made["company"] else None})
    _mark_converted(lead, made, actor)
    db.session.flush()
    return made


def _person(lead: Lead, emails: list[str]) -> tuple[str | None, str]:
    """The contact's name: the lead's person; without one, the name in its first e-mail
    address (ann.lee@... -> Ann Lee); only then the lead's title."""
    if lead.last_name:
        return lead.first_name, lead.last_name[:100]
    if lead.first_name:  # the last name is required: one name is the last name
        return None, lead.first_name[:100]
    local = emails[0].split("@")[0] if emails else ""
    words = [w.capitalize() for w in local.replace("_", ".").replace("-", ".").split(".") if w.isalpha()]
    if words:
        return (" ".join(words[:-1]) or None), words[-1][:100]
    return None, lead.title[:100]


def _make(entity: str, lead: Lead, actor: Actor, data: dict) -> object:
    record = create_record(entity, data, actor=actor)
    if "lead_id" in ENTITIES[entity].read_only:  # a deal has it among its fields, set above
        record.lead_id = lead.id
    add_entry(entity, record.id, TimelineKind.CONVERTED, actor=actor, summary=f"Created from lead #{lead.id}",
              data={"lead_id": lead.id})
    return record


def _mark_converted(lead: Lead, made: dict, actor: Actor) -> None:
    old = lead.status
    lead.status = LEAD_CONVERTED
    links = {k: v.id for k, v in made.items() if v is not None}
    names = ", ".join(f"{k} #{v}" for k, v in links.items())
    add_entry("lead", lead.id, TimelineKind.CONVERTED, actor=actor, summary=f"Converted into {names}",
              data=links)
    record_change("lead", Change.CONVERTED, lead.id, {"status": [old, LEAD_CONVERTED], **{
        f"{k}_id": [None, v] for k, v in links.items()}}, actor=actor)
    record_update("lead", lead.id, {"status": [old, LEAD_CONVERTED]}, actor=actor)
