"""Leads through the API: create, read, list, update with events and timeline."""
from __future__ import annotations

from crm.events import OutboxEvent
from extensions import db


def test_create_and_update_lead_records_events_and_timeline(api):
    r = api.post("/leads", {"title": "Big order", "emails": ["Ann@Example.COM"], "amount": "1500"})
    assert r.status_code == 201, r.json
    lead = r.json
    assert lead["emails"] == ["ann@example.com"] and lead["status"] == "NEW" and lead["amount"] == 1500.0
    r = api.patch(f"/leads/{lead['id']}", {"status": "IN_PROCESS"})
    assert r.status_code == 200 and r.json["status"] == "IN_PROCESS"
    types = [e.type for e in db.session.scalars(db.select(OutboxEvent).order_by(OutboxEvent.id))]
    assert types == ["lead.created", "lead.updated", "lead.status_changed"]
    timeline = api.get(f"/leads/{lead['id']}/timeline").json["items"]
    assert [e["kind"] for e in timeline] == ["changed", "created"]
    assert timeline[0]["data"]["changes"]["status"] == ["NEW", "IN_PROCESS"]


def test_bad_input_gets_field_errors(api):
    r = api.post("/leads", {"status": "NOPE", "emails": ["x"]})
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"title", "status", "emails"}


def test_api_needs_a_token(client):
    assert client.get("/api/v1/leads").status_code == 401
