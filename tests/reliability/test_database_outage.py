"""PostgreSQL unreachable for 10 s: clients get 503 with Retry-After, and nothing is lost.

gunicorn, a Celery worker and beat reach PostgreSQL through a TCP forwarder of the test's
own; cutting it refuses new connections and breaks open ones, as a database crash does for
its clients, while the shared server keeps serving everyone else.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import deploy
from tests.reliability.fault_rig import call, census, create_lead, wait_settled
from tests.support.databases import backend
from tests.support.services import CeleryCluster, GunicornServer
from tests.support.tcp_proxy import TcpProxy

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend() != "postgresql", reason="a database server to lose: PostgreSQL pass"),
]
OUTAGE_SECONDS = 10.0
ENV = {"FLOWDESK_OUTBOX_SWEEP": "1", "FLOWDESK_ENGINE_TIMER_SECONDS": "1",
       "FLOWDESK_ENGINE_STALE_SECONDS": "2"}


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


def _during_outage(base: str, token: str) -> dict[str, int]:
    """Ask the API and a page over and over while the database is away; count the answers."""
    answers: dict[str, int] = {}
    deadline = time.monotonic() + OUTAGE_SECONDS
    n = 0
    while time.monotonic() < deadline:
        n += 1
        for method, path, data in (("POST", "/api/v1/leads", {"title": f"During {n}"}),
                                   ("GET", "/api/v1/leads", None), ("GET", "/leads", None)):
            answer = call(base, method, path, token, data)
            key = f"{answer.status}{'+Retry-After' if 'Retry-After' in answer.headers else ''}"
            answers[key] = answers.get(key, 0) + 1
        time.sleep(0.2)
    return answers


def test_postgresql_away_for_ten_seconds(api, database_url, redis_broker, tmp_path):
    deploy(api, review_lead())
    host, port = urlsplit(database_url).hostname, urlsplit(database_url).port or 5432
    with TcpProxy(host, port) as proxy:
        cluster = CeleryCluster(_through(database_url, proxy.port), redis_broker, tmp_path, ENV)
        try:
            cluster.worker()
            cluster.beat()
            with GunicornServer(cluster.env, tmp_path) as web:
                before = [create_lead(web.url, api.token, f"Before {i}") for i in range(5)]
                assert [a.status for a in before] == [201] * 5, [a.body for a in before]
                wait_settled("the leads before the outage to wait at their tasks")

                proxy.cut()
                started = time.monotonic()
                answers = _during_outage(web.url, api.token)
                proxy.restore()
                print(f"outage {time.monotonic() - started:.1f} s, answers: {answers}")

                after = [create_lead(web.url, api.token, f"After {i}", attempts=10) for i in range(5)]
                print("after the outage: " + ", ".join(f"{a.status} in {a.seconds:.2f} s" for a in after))
                assert [a.status for a in after] == [201] * 5, [a.body for a in after]
                settled = wait_settled("every lead to have one instance waiting at one task")
        finally:
            cluster.stop()
    assert set(answers) == {"503+Retry-After"}, answers  # never a 500, never a hang
    assert settled.leads == 10  # the 5 before and the 5 after; none created during the outage
    print(f"proxied connections: {proxy.connections}; final: {census().line()}")
