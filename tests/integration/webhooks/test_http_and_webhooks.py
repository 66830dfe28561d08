"""http.request in a diagram and signed webhook deliveries, against a real local HTTP receiver."""
from __future__ import annotations

import hashlib
import hmac
import sqlite3
import time

import psycopg
import pytest
from sqlalchemy import select

from engine.webhooks import delivery as webhooks
from engine.webhooks.models import WebhookDelivery
from extensions import db
from org.services.users import system_user
from tests.integration.engine.diagrams import chain, service_task
from tests.integration.engine.runtime_support import create_lead, deploy, drive, only_instance
from tests.integration.webhooks.receiver import Receiver
from tests.support.browser import session_client


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def local(receiver, monkeypatch):
    """The receiver, reachable: 127.0.0.1 allowed for the test (FLOWDESK_ALLOWED_PRIVATE_HOSTS)."""
    monkeypatch.setenv("FLOWDESK_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")
    receiver.reset()
    return receiver


def _diagram(url: str) -> bytes:
    headers = '{"X-Token": "{{ secrets.CRM_TOKEN }}"}'
    return chain("call_api", service_task(
        "Call", "http.request", url=url + "/items/{{ data.n }}", method="POST", headers=headers,
        data='${{"n": 7}}', body='{"title": "{{ data.n }}"}', timeout="5", retries="1",
        result_variable="crm"))


def test_http_request_runs_through_the_engine_and_is_refused_without_the_allow_list(app, api, admin, local,
                                                                                   monkeypatch):
    assert api.put("/settings/http", {"allowed_hosts": ["127.0.0.1"],
                                      "secrets": {"CRM_TOKEN": "wrong"}}).status_code == 200
    assert api.put("/settings/http", {"allowed_hosts": ["bad host!"]}).json["fields"]["allowed_hosts"]
    page = session_client(app, admin)  # Settings -> Integrations replaces the secret
    assert page.post("/settings/integrations/secrets", data={"name": "CRM_TOKEN", "value": "tok-123"}
                     ).status_code == 302
    shown = api.get("/settings/http").json
    assert shown == {"allowed_hosts": ["127.0.0.1"], "secrets": ["CRM_TOKEN"]}  # never the value
    assert "tok-123" not in page.get("/settings/integrations").get_data(as_text=True)
    deploy(api, _diagram(local.url))
    local.fail_next = 1  # the first try answers 500: `retries` tries again
    lead = create_lead(api, "Ann")
    drive()
    instance = only_instance(entity_id=lead["id"])
    detail = api.get(f"/process-instances/{instance.id}").json
    assert detail["status"] == "completed", detail
    assert detail["variables"]["crm"]["status"] == 201 and detail["variables"]["crm"]["json"]["id"] == 42
    sent = local.requests[-1]
    assert (sent["method"], sent["path"], sent["body"]) == ("POST", "/items/7", b'{"title": "7"}')
    assert sent["headers"]["x-token"] == "tok-123" and len(local.requests) == 2
    history = api.get(f"/process-instances/{instance.id}/history").json["items"]
    assert [h["element_id"] for h in history] == ["StartEvent_1", "Call", "EndEvent_1"]
    assert history[1]["element_type"] == "ServiceTask" and history[1]["ended_at"] is not None

    monkeypatch.delenv("FLOWDESK_ALLOWED_PRIVATE_HOSTS")  # loopback without the allow-list: refused
    second = create_lead(api, "Bob")
    drive()
    failed = only_instance(entity_id=second["id"])
    assert failed.status == "error" and failed.error_element == "Call"
    assert "parameter 'url'" in failed.error_message and "not allowed" in failed.error_message
    assert len(local.requests) == 2


def test_an_http_request_holds_no_database_lock_while_it_waits_for_the_answer(app, api, admin, local):
    """Another writer gets the database while the step's call is out (SQLite: one writer at a time;
    a savepoint around the call used to take the write lock for its whole network time)."""
    assert api.put("/settings/http", {"allowed_hosts": ["127.0.0.1"],
                                      "secrets": {"CRM_TOKEN": "t"}}).status_code == 200
    deploy(api, _diagram(local.url))
    system_user()  # as on any installation after its first step (creating it takes the write lock)
    db.session.commit()
    url = db.engine.url
    writes: list[str] = []

    def write_meanwhile() -> None:  # in the receiver's thread: a second connection, a short wait
        if url.get_backend_name() == "sqlite":
            other = sqlite3.connect(url.database, timeout=0.5, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                writes.append("written")
            except sqlite3.OperationalError as exc:
                writes.append(str(exc))
            finally:
                other.close()
        else:  # PostgreSQL locks rows, not the database: the instance's row is not locked either
            with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                 autocommit=True) as other:
                other.execute("SET lock_timeout = '500ms'")
                other.execute("SELECT id FROM process_instance FOR UPDATE")
                writes.append("written")

    local.during = write_meanwhile
    lead = create_lead(api, "Cy")
    drive()
    assert only_instance(entity_id=lead["id"]).status == "completed"
    assert writes == ["written"]


def _wait_due(delivery_id: int) -> None:
    deadline = time.monotonic() + 5
    while delivery_id not in webhooks.due_deliveries():
        assert time.monotonic() < deadline, "the retry never became due"
        time.sleep(0.02)


def test_webhook_deliveries_are_signed_retried_with_backoff_logged_and_redelivered(app, api, admin, local,
                                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SECONDS", 0.1)
    bad = api.post("/webhooks", {"url": local.url + "/hook", "event_types": ["lead.exploded"]})
    assert bad.status_code == 422 and "event_types" in bad.json["fields"]
    made = api.post("/webhooks", {"url": local.url + "/hook", "event_types": ["lead.created"],
                                  "secret": "s3cret"})
    assert made.status_code == 201 and made.json["secret"] == "s3cret"
    endpoint_id = made.json["id"]
    assert api.get(f"/webhooks/{endpoint_id}").json["has_secret"] is True
    create_lead(api, "Ann")
    drive()
    drive()  # relaying again queues nothing twice
    row = db.session.scalar(select(WebhookDelivery))
    assert db.session.query(WebhookDelivery).count() == 1 and row.event_type == "lead.created"

    local.fail_next = 2
    assert webhooks.deliver(row.id) == "pending"
    assert webhooks.deliver(row.id) is None  # not due yet: the backoff holds it back
    started = time.monotonic()
    _wait_due(row.id)
    assert webhooks.deliver(row.id) == "pending"
    _wait_due(row.id)
    assert time.monotonic() - started >= 0.25  # 0.1 s then 0.2 s
    assert webhooks.deliver(row.id) == "succeeded"
    assert webhooks.deliver(row.id) is None  # a duplicate task sends nothing

    last = local.requests[-1]
    assert len(local.requests) == 3
    assert last["headers"]["x-flowdesk-event"] == "lead.created"
    assert last["headers"]["x-flowdesk-delivery"] == row.delivery_uuid
    stamp = last["headers"]["x-flowdesk-timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + last["body"], hashlib.sha256).hexdigest()
    assert last["headers"]["x-flowdesk-signature"] == f"sha256={expected}"

    log = api.get(f"/webhooks/{endpoint_id}/deliveries").json["items"]
    assert [a["status_code"] for a in log[0]["log"]] == [500, 500, 201]
    assert log[0]["state"] == "succeeded" and all(a["duration_ms"] is not None for a in log[0]["log"])

    page = session_client(app, admin)  # the delivery log page, and redeliver from it
    log_page = page.get(f"/settings/integrations/webhooks/{endpoint_id}").get_data(as_text=True)
    assert log_page.count(f'data-delivery="{row.id}"') == 3 and "500" in log_page and "Redeliver" in log_page
    assert local.url in page.get("/settings/integrations").get_data(as_text=True)

    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 1)
    local.fail_next = 5
    redone = page.post(f"/settings/integrations/webhooks/{endpoint_id}/deliveries/{row.id}/redeliver")
    assert redone.status_code == 302
    db.session.expire_all()
    assert webhooks.deliver(row.id) == "failed"  # gave up after the last attempt
    assert local.requests[-1]["headers"]["x-flowdesk-delivery"] == row.delivery_uuid
    again = api.post(f"/webhooks/{endpoint_id}/deliveries/{row.id}/redeliver")
    assert again.status_code == 202 and again.json["state"] == "pending"
    assert api.delete(f"/webhooks/{endpoint_id}").status_code == 204
