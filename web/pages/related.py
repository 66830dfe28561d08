"""Records linked to a record: a contact's company, a deal's contact/company/lead, and back."""
from __future__ import annotations

from flask import url_for

from crm.entities import ENTITIES, Entity, record_title
from crm.queries import records_where
from crm.services.records import list_records
from org.actors import Actor
from web.pages.display import record_url
from web.pages.lookups import status_info, titles_by_id

LIMIT = 20


def _item(record: object) -> dict:
    spec = ENTITIES[record.entity]
    meta = status_info(spec.name, getattr(record, spec.status_field)) if spec.status_field else None
    return {"title": record_title(record), "url": record_url(spec.name, record.id), "status": meta}


def _one(entity: str, record_id: int | None, actor: Actor) -> list[dict]:
    title = titles_by_id(entity, [record_id], actor).get(record_id) if record_id else None
    return [{"title": title, "url": record_url(entity, record_id), "status": None}] if title else []


def _many(entity: str, column: str, value: int, actor: Actor) -> list[dict]:
    """Records of `entity` whose `column` is `value`, among those the actor may read."""
    if ENTITIES[entity].field(column) is not None:
        page = list_records(entity, actor=actor, filters={column: str(value)}, limit=LIMIT)
        return [_item(r) for r in page.items]
    return [_item(r) for r in records_where(entity, column, value, actor=actor, limit=LIMIT)]


def _group(entity: str, label: str, items: list[dict], add: dict | None = None) -> dict:
    add_url = url_for("pages.record_new", plural=ENTITIES[entity].plural, **add) if add else None
    return {"entity": entity, "label": label, "records": items, "add_url": add_url}


def related_groups(spec: Entity, record: object, actor: Actor) -> list[dict]:
    """The record's related records, grouped, each group with an "add" link where it makes sense."""
    rid = record.id
    if spec.name == "lead":
        return [_group("contact", "Contacts", _many("contact", "lead_id", rid, actor)),
                _group("company", "Companies", _many("company", "lead_id", rid, actor)),
                _group("deal", "Deals", _many("deal", "lead_id", rid, actor), {"lead_id": rid})]
    if spec.name == "contact":
        return [_group("company", "Company", _one("company", record.company_id, actor)),
                _group("deal", "Deals", _many("deal", "contact_id", rid, actor),
                       {"contact_id": rid, "company_id": record.company_id or ""}),
                _group("lead", "Source lead", _one("lead", record.lead_id, actor))]
    if spec.name == "company":
        return [_group("contact", "Contacts", _many("contact", "company_id", rid, actor),
                       {"company_id": rid}),
                _group("deal", "Deals", _many("deal", "company_id", rid, actor), {"company_id": rid}),
                _group("lead", "Source lead", _one("lead", record.lead_id, actor))]
    return [_group("contact", "Contact", _one("contact", record.contact_id, actor)),
            _group("company", "Company", _one("company", record.company_id, actor)),
            _group("lead", "Lead", _one("lead", record.lead_id, actor))]

