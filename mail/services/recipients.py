"""Who a mail about a record goes to, whether it may, and what its template sees."""
from __future__ import annotations

from dataclasses import dataclass

from crm.entities import ENTITIES
from crm.serialize import emails_of, record_to_dict
from extensions import db
from org.models import User

MAIL_ENTITIES = tuple(ENTITIES)
NO_ADDRESS = "no address"
DO_NOT_EMAIL = "do not email"
GONE = "record not found"


@dataclass
class Recipient:
    """The record a mail is about, the address it goes to, or why it is skipped."""

    entity: str
    record: object | None
    email: str = ""
    skip: str | None = None


def load(entity: str, record_id: int) -> object | None:
    """A record by type and id (no access check: callers check)."""
    spec = ENTITIES.get(entity)
    return db.session.get(spec.model, record_id) if spec else None


def _first_address(entity: str, record: object) -> tuple[str, object | None]:
    """(address, the record it belongs to); a deal writes to its contact, else its company."""
    if entity != "deal":
        emails = emails_of(entity, [record.id]).get(record.id, [])
        return (emails[0], record) if emails else ("", None)
    for other, other_id in (("contact", record.contact_id), ("company", record.company_id)):
        owner = load(other, other_id) if other_id else None
        if owner is not None:
            emails = emails_of(other, [owner.id]).get(owner.id, [])
            if emails:
                return emails[0], owner
    return "", None


def resolve(entity: str, record_id: int) -> Recipient:
    """The address for a mail about this record, or the reason it is skipped."""
    record = load(entity, record_id)
    if record is None:
        return Recipient(entity, None, skip=GONE)
    if getattr(record, "do_not_email", False):
        return Recipient(entity, record, skip=DO_NOT_EMAIL)
    email, owner = _first_address(entity, record)
    if not email:
        return Recipient(entity, record, skip=NO_ADDRESS)
    if owner is not record and getattr(owner, "do_not_email", False):
        return Recipient(entity, record, email, skip=DO_NOT_EMAIL)
    return Recipient(entity, record, email)


def addresses_for(entity: str, record_id: int) -> list[str]:
    """The one address a mail about the record would go to ([] when none)."""
    found = resolve(entity, record_id)
    return [found.email] if found.email else []


def user_context(user: User | None) -> dict:
    """What a template calls `user`: the sender's name and address."""
    if user is None or user.is_system:
        return {"full_name": "", "first_name": "", "last_name": "", "email": "", "position": ""}
    return {"full_name": user.full_name, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "position": user.position}


def template_context(entity: str, record: object, sender: User | None) -> dict:
    """What a template sees: the record under its type's name (and `record`), the people and
    company it belongs to, and the sender as `user`. Plain dicts only."""
    data = record_to_dict(record)
    context: dict = {entity: data, "record": data, "user": user_context(sender)}
    if entity == "lead":
        context["contact"] = {"first_name": record.first_name, "last_name": record.last_name,
                              "emails": data.get("emails", [])}
        context["company"] = {"title": record.company_name}
    for ref in ENTITIES:  # the records it points at: contact_id, company_id, lead_id
        ref_id = getattr(record, f"{ref}_id", None) if ref != entity else None
        linked = load(ref, ref_id) if ref_id else None
        if linked is not None:
            context[ref] = record_to_dict(linked)
    return context
