"""Webhook endpoints (administrators): register, list, change, delete; the delivery log and redeliver."""
from __future__ import annotations

import secrets as pysecrets

from sqlalchemy import select

from crm.event_types import event_types
from engine import http_out
from engine.webhooks.models import PENDING, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from errors import NotFound, ValidationError
from extensions import db
from org import admin as admin_rules
from org import audit
from org.actors import Actor, actor_user
from org.models import utcnow
from secrets_box import SecretBox
from transactions import enqueue_after_commit

BOX = SecretBox(b"flowdesk-webhooks", b"webhook signing secret", "webhook secret")
DELIVER_TASK = "webhooks.deliver"
ALL = "*"
FIELDS = ("url", "description", "event_types", "secret", "active")


def endpoint_dict(row: WebhookEndpoint) -> dict:
    """An endpoint as the API shows it (the secret never: only whether one is set)."""
    return {"id": row.id, "url": row.url, "description": row.description,
            "event_types": list(row.event_types or []), "active": row.active,
            "has_secret": bool(row.secret), "created_at": row.created_at.isoformat() + "Z"}


def list_endpoints(*, actor: Actor | None) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first (administrators)."""
    admin_rules.require_admin(actor)
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int, *, actor: Actor | None) -> WebhookEndpoint:
    """One endpoint (administrators); NotFound otherwise."""
    admin_rules.require_admin(actor)
    row = db.session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(f"No webhook {endpoint_id}")
    return row


def _validate(data: object, *, creating: bool) -> dict:
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    errors = {k: "Unknown field" for k in data if k not in FIELDS}
    if (creating or "url" in data) and http_out.url_error(data.get("url")):
        errors["url"] = http_out.url_error(data.get("url")) or ""
    if "event_types" in data or creating:
        types = data.get("event_types")
        known = set(event_types())
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            errors["event_types"] = 'Expected a list of event types (["deal.updated"], or ["*"] for all)'
        elif unknown := sorted(t for t in types if t != ALL and t not in known):
            errors["event_types"] = f"Unknown event type {unknown[0]!r} (GET /api/v1/webhooks/event-types)"
    if "secret" in data and data["secret"] is not None and not isinstance(data["secret"], str):
        errors["secret"] = "Expected a text (blank: a new random secret)"
    if "description" in data and not isinstance(data["description"], str):
        errors["description"] = "Expected a text"
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = "Expected true or false"
    if errors:
        raise ValidationError.from_fields(errors)
    return data


def create_endpoint(data: object, *, actor: Actor | None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown this once). The caller commits."""
    admin_rules.require_admin(actor)
    data = _validate(data, creating=True)
    secret = data.get("secret") or pysecrets.token_urlsafe(32)
    row = WebhookEndpoint(url=data["url"], description=data.get("description", "")[:255],
                          event_types=list(dict.fromkeys(data["event_types"])), secret=BOX.encrypt(secret),
                          active=data.get("active", True))
    row.created_by_id = actor_user(actor).id if actor is not None else None
    db.session.add(row)
    db.session.flush()
    audit.record("setting.change", f"webhook {row.id}", {"created": endpoint_dict(row)}, actor=actor)
    return row, secret


def update_endpoint(endpoint_id: int, data: object, *, actor: Actor | None) -> WebhookEndpoint:
    """Change an endpoint's url, description, event types, secret or active flag; the caller commits."""
    row = get_endpoint(endpoint_id, actor=actor)
    data = _validate(data, creating=False)
    before = endpoint_dict(row)
    for name in ("url", "description", "active"):
        if name in data:
            setattr(row, name, data[name])
    if "event_types" in data:
        row.event_types = list(dict.fromkeys(data["event_types"]))
    if data.get("secret"):
        row.secret = BOX.encrypt(data["secret"])
    audit.record("setting.change", f"webhook {row.id}", {"before": before, "after": endpoint_dict(row)},
                 actor=actor)
    return row


def delete_endpoint(endpoint_id: int, *, actor: Actor | None) -> None:
    """Remove an endpoint and its delivery log; the caller commits."""
    row = get_endpoint(endpoint_id, actor=actor)
    audit.record("setting.change", f"webhook {row.id}", {"deleted": endpoint_dict(row)}, actor=actor)
    db.session.delete(row)


def delivery_dict(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict:
    """A delivery with its attempts (time, status code, duration, error), newest attempt last."""
    def when(value: object) -> str | None:
        return value.isoformat() + "Z" if value is not None else None

    return {"id": row.id, "delivery_id": row.delivery_uuid, "event_id": row.event_id,
            "event_type": row.event_type, "state": row.state, "attempts": row.attempts,
            "created_at": when(row.created_at), "delivered_at": when(row.delivered_at),
            "next_attempt_at": when(row.next_attempt_at) if row.state == PENDING else None,
            "log": [{"number": a.number, "at": when(a.started_at), "status_code": a.status_code,
                     "duration_ms": a.duration_ms, "error": a.error} for a in attempts]}


def list_deliveries(endpoint_id: int, *, actor: Actor | None, limit: int = 50) -> list[dict]:
    """The endpoint's newest deliveries with their attempts (administrators)."""
    get_endpoint(endpoint_id, actor=actor)
    rows = list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))
    tries: dict[int, list[WebhookAttempt]] = {r.id: [] for r in rows}
    if rows:
        for attempt in db.session.scalars(select(WebhookAttempt).where(
                WebhookAttempt.delivery_id.in_(tries)).order_by(WebhookAttempt.id)):
            tries[attempt.delivery_id].append(attempt)
    return [delivery_dict(r, tries[r.id]) for r in rows]


def redeliver(endpoint_id: int, delivery_id: int, *, actor: Actor | None) -> WebhookDelivery:
    """Send a delivery again now (whatever its state), with a fresh attempt budget; the caller commits."""
    get_endpoint(endpoint_id, actor=actor)
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None or row.endpoint_id != endpoint_id:
        raise NotFound(f"No delivery {delivery_id} of webhook {endpoint_id}")
    row.state, row.attempts, row.next_attempt_at = PENDING, 0, utcnow()
    enqueue_after_commit(DELIVER_TASK, row.id)
    return row
