"""Operations through the app: /healthz, /readyz, /metrics, the system page and API, `flask
status`, correlation ids from the request into the domain event."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from crm.events import OutboxEvent
from extensions import db
from ops.heartbeat import write_heartbeat
from ops.models import ServiceHeartbeat
from org.models import utcnow


def _beat(kind: str, seconds_ago: float = 0) -> None:
    write_heartbeat(f"{kind}@test:1", kind, utcnow())
    row = db.session.get(ServiceHeartbeat, f"{kind}@test:1")
    row.seen_at = utcnow() - timedelta(seconds=seconds_ago)
    db.session.commit()


def test_liveness_and_readiness_follow_the_heartbeats(client):
    assert client.get("/healthz").json == {"status": "ok"}
    down = client.get("/readyz")
    assert down.status_code == 503
    checks = down.json["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"] and checks["disk"]["ok"]
    assert not checks["worker"]["ok"] and "no worker has ever started" in checks["worker"]["error"]
    _beat("worker", seconds_ago=300)
    _beat("beat")
    stale = client.get("/readyz").json["checks"]
    assert not stale["worker"]["ok"] and stale["worker"]["age_seconds"] >= 300 and stale["beat"]["ok"]
    _beat("worker")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["ready"] is True


def test_metrics_are_guarded_and_count_what_waits(app, client, api):
    assert api.post("/leads", {"title": "Metered"}).status_code == 201
    text = client.get("/metrics").get_data(as_text=True)  # the test client comes from 127.0.0.1
    assert "flowdesk_outbox_backlog 1.0" in text
    assert 'flowdesk_system_mail{state="failed"} 0.0' in text
    assert "flowdesk_http_request_duration_seconds_bucket" in text and 'group="api"' in text
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret-scrape"
    try:
        assert client.get("/metrics").status_code == 403
        good = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert good.status_code == 200 and "flowdesk_timers_due" in good.get_data(as_text=True)
    finally:
        app.config.pop("METRICS_TOKEN")


def test_a_request_id_follows_into_the_domain_event(api):
    answer = api.post("/leads", {"title": "Traced"}, headers={"X-Request-ID": "trace-42"})
    assert answer.status_code == 201 and answer.headers["X-Request-ID"] == "trace-42"
    row = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    assert row.correlation_id == "trace-42"
    made = api.post("/leads", {"title": "Untraced"}, headers={"X-Request-ID": "bad id <script>"})
    assert made.headers["X-Request-ID"] != "bad id <script>" and len(made.headers["X-Request-ID"]) == 16


def test_system_status_for_administrators_with_retry(api, api_for, make_user, admin, client):
    assert api_for(make_user()).get("/system/status").status_code == 403
    api.post("/leads", {"title": "Stuck"})
    row = db.session.scalars(select(OutboxEvent)).first()
    row.attempts, row.last_error = 3, "consumer x: boom"
    db.session.commit()
    status = api.get("/system/status").json
    assert status["versions"]["schema"] and status["versions"]["SpiffWorkflow"]
    assert status["failed_jobs"][0]["error"] == "consumer x: boom"
    assert status["outbox"] == {"backlog": 1, "lag_seconds": status["outbox"]["lag_seconds"], "failing": 1}
    client.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"})
    client.post("/admin-mode", data={"on": "1"})
    page = client.get("/settings/system").get_data(as_text=True)
    assert "consumer x: boom" in page and "Not ready" in page
    assert client.post(f"/settings/system/retry/event/{row.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxEvent, row.id).attempts == 0


def test_status_command_exits_1_until_ready(runner):
    result = runner.invoke(args=["status"])
    assert result.exit_code == 1 and "NOT READY" in result.output
    assert "no worker has ever started" in result.output
    _beat("worker")
    _beat("beat")
    result = runner.invoke(args=["status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["readiness"]["ready"] is True


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for():
    from flask import Flask, request

    from app import _trust_proxies

    probe = Flask("probe")
    probe.config["PROXY_HOPS"] = 1
    probe.add_url_rule("/who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    _trust_proxies(probe)
    answer = probe.test_client().get("/who", headers={"X-Forwarded-For": "198.51.100.7",
                                                       "X-Forwarded-Proto": "https"})
    assert answer.get_data(as_text=True) == "198.51.100.7 https"
