"""Queue and send webhook deliveries.

The outbox consumer `on_event` adds one delivery per subscribed endpoint (unique per endpoint
and event, so a redelivered event queues nothing twice) and kicks the `webhooks.deliver` task
after the commit. `deliver` claims a due delivery with a conditional update (a second worker or
a duplicate task finds nothing to do), sends it outside any transaction, then records the
attempt: success, or the next attempt after an exponential backoff (the task again with a
countdown, and the beat sweep for what a lost task missed), or, after the last attempt, failed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select, update

from crm.events import OutboxEvent, register_consumer
from engine import http_out
from engine.webhooks.models import (
    FAILED,
    PENDING,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from engine.webhooks.service import ALL, BOX, DELIVER_TASK
from extensions import db
from org.models import utcnow
from transactions import after_commit, enqueue_after_commit, unit_of_work

CONSUMER = "webhooks"
TIMEOUT = 10.0
LEASE = timedelta(minutes=2)  # a claimed delivery is not due again while it is being sent


def register() -> None:
    """Register the webhooks consumer with the outbox relay (every event type). With no active
    endpoint it is idle: the relay checks that in the statement claiming the event, in the
    same transaction the consumer would have looked in, instead of a query per event."""
    any_active = select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)).exists()
    register_consumer(CONSUMER, on_event, idle_unless=any_active)


def on_event(event: OutboxEvent) -> None:
    """Queue a delivery of `event` to every active endpoint subscribed to its type."""
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
    wanted = [e for e in endpoints if ALL in (e.event_types or []) or event.type in (e.event_types or [])]
    if not wanted:
        return
    queued = set(db.session.scalars(select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.event_id == event.event_id)))
    payload = event.to_dict()
    for endpoint in wanted:
        if endpoint.id in queued:
            continue
        row = WebhookDelivery(delivery_uuid=str(uuid.uuid4()), endpoint_id=endpoint.id,
                              event_id=event.event_id, event_type=event.type, payload=payload,
                              state=PENDING, attempts=0, next_attempt_at=utcnow())
        db.session.add(row)
        db.session.flush()
        enqueue_after_commit(DELIVER_TASK, row.id)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Flowdesk-Signature value: sha256=HMAC-SHA256(secret, "<timestamp>.<body>") in hex."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _config(name: str, default: float) -> float:
    return float(current_app.config.get(name, default)) if has_app_context() else default


def backoff_seconds(attempt: int) -> float:
    """The pause after failed attempt number `attempt`: base * 2^(attempt-1), at most an hour."""
    return min(_config("WEBHOOK_RETRY_SECONDS", 30.0) * 2 ** (attempt - 1), 3600.0)


def max_attempts() -> int:
    """Attempts before a delivery is given up (WEBHOOK_MAX_ATTEMPTS)."""
    return int(_config("WEBHOOK_MAX_ATTEMPTS", 8))


def _claim(delivery_id: int) -> dict | None:
    """Take a due pending delivery for one attempt; what to send, or None (not due, taken, done)."""
    with unit_of_work():
        row = db.session.get(WebhookDelivery, delivery_id)
        now = utcnow()
        if row is None or row.state != PENDING or (row.next_attempt_at and row.next_attempt_at > now):
            return None
        taken = db.session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == row.id, WebhookDelivery.attempts == row.attempts,
            WebhookDelivery.state == PENDING).values(attempts=row.attempts + 1, next_attempt_at=now + LEASE))
        if taken.rowcount != 1:
            return None
        endpoint = db.session.get(WebhookEndpoint, row.endpoint_id)
        return {"url": endpoint.url, "secret": BOX.decrypt(endpoint.secret), "number": row.attempts + 1,
                "body": json.dumps({"delivery_id": row.delivery_uuid, **row.payload}).encode(),
                "event_type": row.event_type, "delivery_uuid": row.delivery_uuid}


def _send(claim: dict) -> tuple[int | None, int, str | None]:
    """POST the claimed delivery; (status code, milliseconds, error or None)."""
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "Flowdesk-Webhooks/1",
               "X-Flowdesk-Event": claim["event_type"], "X-Flowdesk-Delivery": claim["delivery_uuid"],
               "X-Flowdesk-Timestamp": timestamp,
               "X-Flowdesk-Signature": sign(claim["secret"], timestamp, claim["body"])}
    started = time.monotonic()
    try:
        answer = http_out.send("POST", claim["url"], headers=headers, body=claim["body"],
                               timeout=_config("WEBHOOK_TIMEOUT_SECONDS", TIMEOUT), max_bytes=65536)
    except http_out.HttpFailed as exc:
        return None, int((time.monotonic() - started) * 1000), str(exc)
    error = None if 200 <= answer.status < 300 else f"The endpoint answered {answer.status}"
    return answer.status, answer.elapsed_ms, error


def _record(delivery_id: int, number: int, result: tuple[int | None, int, str | None]) -> str:
    status_code, duration, error = result
    with unit_of_work():
        row = db.session.get(WebhookDelivery, delivery_id)
        db.session.add(WebhookAttempt(delivery_id=delivery_id, number=number, status_code=status_code,
                                      duration_ms=duration, error=error))
        if error is None:
            row.state, row.delivered_at, row.next_attempt_at = SUCCEEDED, utcnow(), None
        elif number >= max_attempts():
            row.state, row.next_attempt_at = FAILED, None
        else:
            pause = backoff_seconds(number)
            row.next_attempt_at = utcnow() + timedelta(seconds=pause)
            after_commit(_send_later, delivery_id, pause)
        return row.state


def _send_later(delivery_id: int, countdown: float) -> None:
    if has_app_context() and current_app.config.get("OUTBOX_KICK") == "celery":
        current_app.extensions["celery"].send_task(DELIVER_TASK, args=[delivery_id], countdown=countdown,
                                                   retry=False)


def deliver(delivery_id: int) -> str | None:
    """One attempt of a due delivery (idempotent); its state afterwards, None when nothing was due."""
    claim = _claim(delivery_id)
    if claim is None:
        return None
    return _record(delivery_id, claim["number"], _send(claim))


def due_deliveries(limit: int = 200) -> list[int]:
    """Pending deliveries whose next attempt is due (the beat sweep's work)."""
    return list(db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)))
