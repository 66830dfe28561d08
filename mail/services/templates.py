"""Mail templates: create, change, delete (administrators), list, render and preview."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.serialize import json_value
from crm.services.records import get_record
from errors import NotFound, ValidationError
from extensions import db
from mail import render
from mail.models import MailTemplate
from mail.services.common import Checker, require_admin
from mail.services.recipients import MAIL_ENTITIES, addresses_for, template_context
from org.actors import Actor, actor_user
from org.models import User, valid_id

MAX_SUBJECT = 500
MAX_BODY = 100_000


def list_templates() -> list[MailTemplate]:
    """Every template by name (anyone may pick one to send)."""
    return list(db.session.scalars(select(MailTemplate).order_by(MailTemplate.name)))


def get_template(template_id: object) -> MailTemplate:
    """A template by id (404 when unknown)."""
    template = db.session.get(MailTemplate, int(template_id)) if valid_id(template_id) else None
    if template is None:
        raise NotFound(f"No mail template {template_id}")
    return template


def template_by_name(name: str) -> MailTemplate | None:
    """A template by its unique name (the mail.send activity names it)."""
    return db.session.scalar(select(MailTemplate).where(MailTemplate.name == name))


def _values(data: dict, *, partial: bool) -> dict:
    check = Checker(data)
    check.unknown({"name", "subject", "body"})
    values = {}
    for name, limit in (("name", 200), ("subject", MAX_SUBJECT), ("body", MAX_BODY)):
        if partial and name not in data:
            continue
        value = check.text(name, max_length=limit, required=name != "body")
        if name == "body" and isinstance(data.get(name), str):
            value = data[name].replace("\r\n", "\n")  # keep the body's own spacing
            if len(value) > MAX_BODY:
                check.errors[name] = f"At most {MAX_BODY} characters"
        if name in ("subject", "body") and name not in check.errors:
            problem = render.check(value)
            if problem:
                check.errors[name] = problem
        values[name] = value
    check.raise_if_any()
    return values


def create_template(data: dict, *, actor: Actor) -> MailTemplate:
    """A new template; its subject and body are checked by the sandbox before saving."""
    require_admin(actor, "edit mail templates")
    template = MailTemplate(**_values(data, partial=False), created_by_id=actor_user(actor).id)
    return _save(template)


def update_template(template_id: object, data: dict, *, actor: Actor) -> MailTemplate:
    """Change name, subject or body (checked by the sandbox again)."""
    require_admin(actor, "edit mail templates")
    template = get_template(template_id)
    for name, value in _values(data, partial=True).items():
        setattr(template, name, value)
    return _save(template)


def _save(template: MailTemplate) -> MailTemplate:
    try:
        with db.session.begin_nested():  # a taken name undoes only this template
            db.session.add(template)
            db.session.flush()
    except IntegrityError:
        raise ValidationError.from_fields({"name": "Another template has this name"}) from None
    return template


def delete_template(template_id: object, *, actor: Actor) -> None:
    """Delete a template (jobs still queued with it fail their items with the reason)."""
    require_admin(actor, "edit mail templates")
    db.session.delete(get_template(template_id))


def render_for(subject: str, body: str, entity: str, record: object, sender: User | None) -> tuple[str, str]:
    """(subject, body) for one record; RenderError when the template is refused or fails."""
    context = template_context(entity, record, sender)
    rendered_subject = " ".join(render.render(subject, context).split())
    return rendered_subject[:MAX_SUBJECT], render.render(body, context)


def preview(data: dict, *, actor: Actor, template_id: object = None) -> dict:
    """Render a saved template (or the given subject/body) against a record the actor may read."""
    check = Checker(data)
    check.unknown({"entity", "id", "subject", "body"})
    entity = check.choice("entity", MAIL_ENTITIES, "contact")
    record_id = data.get("id")
    if not valid_id(record_id):
        check.errors["id"] = "Expected the record's id"
    check.raise_if_any()
    template = get_template(template_id) if template_id is not None else None
    subject = data.get("subject") if template is None else template.subject
    body = data.get("body") if template is None else template.body
    if not isinstance(subject, str) or not isinstance(body, str):
        raise ValidationError.from_fields({"subject": "Expected text", "body": "Expected text"})
    record = get_record(entity, int(record_id), actor=actor)
    try:
        rendered = render_for(subject, body, entity, record, actor_user(actor))
    except render.RenderError as exc:
        raise ValidationError.from_fields({"body": str(exc)}) from None
    return {"subject": rendered[0], "body": rendered[1], "to": addresses_for(entity, record.id)}


def template_to_dict(template: MailTemplate) -> dict:
    """The template as the API shows it."""
    return {"id": template.id, "name": template.name, "subject": template.subject, "body": template.body,
            "created_by_id": template.created_by_id, "created_at": json_value(template.created_at),
            "updated_at": json_value(template.updated_at)}
