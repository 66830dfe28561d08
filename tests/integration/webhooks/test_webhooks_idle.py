"""With no active endpoint the webhooks consumer is idle: the relay checks that in the statement
claiming the event, and an endpoint committed by another process gets the next event."""

from __future__ import annotations

from sqlalchemy import insert, select

from crm.events import relay_pending
from engine.webhooks.models import WebhookDelivery, WebhookEndpoint
from extensions import db
from org.models import utcnow
from tests.support.statements import statements


def _endpoint_committed_elsewhere(active: bool) -> None:
    with db.engine.begin() as other:
        other.execute(insert(WebhookEndpoint.__table__).values(
            url="https://hooks.example.com/in", description="", event_types=["lead.created"],
            secret="", active=active, created_at=utcnow()))


def test_no_endpoint_no_query_and_a_new_endpoint_gets_the_next_event(api):
    with statements() as seen:
        api.post("/leads", {"title": "Before"})
        _endpoint_committed_elsewhere(active=False)
        api.post("/leads", {"title": "Inactive"})
        seen.clear()
        assert relay_pending() == 2
        assert not [s for s in seen if s.lstrip().startswith("SELECT webhook_endpoint.")]
        _endpoint_committed_elsewhere(active=True)
        lead = api.post("/leads", {"title": "After"}).json
        assert relay_pending() == 1
    rows = list(db.session.scalars(select(WebhookDelivery)))
    assert [(r.event_type, r.payload["entity_id"]) for r in rows] == [("lead.created", lead["id"])]
