"""How record values and timeline entries read on a page."""
from __future__ import annotations

from decimal import Decimal

from flask import url_for

from crm.entities import ENTITIES, Entity, Field
from crm.models import TimelineEntry
from crm.states import FieldKind, TimelineKind
from org.actors import Actor
from web.pages.common import fmt_money
from web.pages.lookups import pipeline_names, status_info, titles_by_id, user_by_id, users_by_id

EMPTY = "—"
KIND_ICONS = {
    "created": ("bi-plus-lg", "primary"), "changed": ("bi-pencil", "secondary"),
    "comment": ("bi-chat-left-text", "info"), "converted": ("bi-arrow-left-right", "success"),
    "task": ("bi-check2-square", "warning"), "mail": ("bi-envelope", "primary"),
    "process": ("bi-diagram-2", "purple"), "file": ("bi-paperclip", "info"),
}


def record_url(entity: str, record_id: int) -> str:
    return url_for("pages.record_view", plural=ENTITIES[entity].plural, record_id=record_id)


def display_value(spec: Entity, name: str, value: object, actor: Actor) -> tuple[str, str | None]:
    """(text, link) for a field value as stored or as carried in an event's changes."""
    f = spec.field(name)
    if value in (None, "", []):
        return EMPTY, None
    if name == "closed":
        return ("yes" if value else "no"), None
    if f is None:
        return str(value), None
    if f.kind == FieldKind.STATUS:
        return status_info(spec.name, str(value))["name"], None
    if f.kind == FieldKind.BOOL:
        return ("yes" if value else "no"), None
    if f.kind == FieldKind.REF and f.ref == "user":
        user = user_by_id(int(value))
        return (user.full_name if user else f"user #{value}"), None
    if f.kind == FieldKind.REF and f.ref == "pipeline":
        return pipeline_names().get(int(value), f"pipeline #{value}"), None
    if f.kind == FieldKind.REF:
        title = titles_by_id(f.ref, [int(value)], actor).get(int(value))
        link = record_url(f.ref, int(value)) if title else None
        return (title or f"{ENTITIES[f.ref].label} #{value}"), link
    if f.kind in (FieldKind.EMAILS, FieldKind.PHONES):
        return ", ".join(str(v) for v in value), None
    if f.kind == FieldKind.DECIMAL:
        return fmt_money(Decimal(str(value))), None
    return str(value), None


def detail_rows(spec: Entity, record: object, actor: Actor, skip: set[str]) -> list[dict]:
    """The record's fields for the "About" card (lists and the title shown elsewhere)."""
    rows = []
    for f in spec.fields:
        if f.name in skip or f.kind in (FieldKind.EMAILS, FieldKind.PHONES):
            continue
        value = getattr(record, f.name)
        if f.name == "amount" and value is not None:
            text, link = fmt_money(value, getattr(record, "currency", "")), None
        elif f.name == "currency":
            continue
        else:
            text, link = display_value(spec, f.name, value, actor)
        wide = f.kind == FieldKind.TEXT
        rows.append({"field": f, "label": f.label, "text": text, "link": link, "wide": wide})
    return rows


def change_rows(spec: Entity, changes: dict, actor: Actor) -> list[dict]:
    """A change entry's `{field: [old, new]}` as labelled old -> new texts."""
    rows = []
    for name, pair in changes.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        f: Field | None = spec.field(name)
        rows.append({"label": f.label if f else name.replace("_", " ").capitalize(),
                     "old": display_value(spec, name, pair[0], actor),
                     "new": display_value(spec, name, pair[1], actor)})
    return rows


def timeline_items(spec: Entity, entries: list[TimelineEntry], actor: Actor) -> list[dict]:
    """Entries with their author, icon and, for changes, the old -> new rows."""
    users = users_by_id([e.actor_id for e in entries])
    items = []
    for entry in entries:
        icon, tone = KIND_ICONS.get(entry.kind, ("bi-dot", "secondary"))
        data = entry.data or {}
        items.append({
            "entry": entry, "author": users.get(entry.actor_id), "icon": icon, "tone": tone,
            "changes": change_rows(spec, data.get("changes") or {}, actor)
            if entry.kind == TimelineKind.CHANGED else [],
            "links": _links(data, actor),
        })
    return items


def _links(data: dict, actor: Actor) -> list[dict]:
    """Records an entry points at (conversion results, the source lead, a task)."""
    links = []
    for entity in ENTITIES:  # a conversion's results ("contact": 7), the source lead ("lead_id": 3)
        ref = data.get(f"{entity}_id", data.get(entity))
        if isinstance(ref, int):
            title = titles_by_id(entity, [ref], actor).get(ref)
            if title:
                links.append({"label": ENTITIES[entity].label, "title": title,
                              "url": record_url(entity, ref)})
    task_id = data.get("task_id")
    if isinstance(task_id, int):
        links.append({"label": "Task", "title": str(data.get("title") or f"#{task_id}"),
                      "url": url_for("pages.task_view", task_id=task_id)})
    if isinstance(data.get("drive_item_id"), int):  # an attached drive file (its rights hold)
        links.append({"label": "File", "title": str(data.get("name") or data["drive_item_id"]),
                      "url": url_for("pages.drive_item", item_id=data["drive_item_id"])})
    return links + _mail_links(data)


def _mail_links(data: dict) -> list[dict]:
    """A received mail: the message page and its attachments; a sent one: its send job."""
    links = []
    if isinstance(data.get("mail_id"), int):
        links.append({"label": "Mail", "title": "open" + (" (formatted)" if data.get("has_html") else ""),
                      "url": url_for("pages.mail_message", mail_id=data["mail_id"])})
        for item in data.get("attachments") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                links.append({"label": "Attachment", "title": str(item.get("filename") or item["id"]),
                              "url": url_for("pages.mail_attachment", attachment_id=item["id"], download=1)})
    if isinstance(data.get("job_id"), int) and data.get("direction") == "out":
        links.append({"label": "Sent with", "title": str(data.get("template") or "a template"),
                      "url": url_for("pages.mail_job", job_id=data["job_id"])})
    return links

