"""Relay kicks coalesced across processes through the broker's Redis (kick_latch.py): commits made
while a kick is queued and not started send nothing more; the worker clears the latch as the relay
starts, so the next commit kicks again; every event is delivered, once."""
from __future__ import annotations

from collections import Counter

import pytest
import redis

import kick_latch
from crm.events import RELAY_TASK, OutboxEvent
from extensions import db
from tests.integration.test_outbox_celery import OutboxRig, _create_leads
from tests.support.outbox_probe import consumer_log
from tests.support.services import celery_publishing_to, wait_until

pytestmark = pytest.mark.services


@pytest.fixture
def rig(app, celery_cluster, redis_broker, tmp_path):
    consumer_log.create(db.engine, checkfirst=True)
    with db.engine.begin() as conn:
        conn.execute(consumer_log.delete())
    app.config.update(OUTBOX_KICK="celery", KICK_LATCH_MS=600_000)  # no expiry within the test
    try:
        with celery_publishing_to(redis_broker):
            yield OutboxRig(app, celery_cluster, tmp_path)
    finally:
        app.config.update(OUTBOX_KICK="none", KICK_LATCH_MS=1000)
        db.session.rollback()
        consumer_log.drop(db.engine, checkfirst=True)  # not a model: test_migrations would see it


def _queued_relays(broker) -> int:
    """Relay tasks waiting in the broker's default queue."""
    client = redis.Redis.from_url(broker.url)
    bodies = client.lrange(f"{broker.prefix}celery", 0, -1)
    return sum(RELAY_TASK.encode() in body for body in bodies)


def test_commits_while_a_kick_is_queued_send_no_more(api, rig, redis_broker):
    ids = _create_leads(api, [f"Queued {n}" for n in range(6)])
    assert _queued_relays(redis_broker) == 1  # without the latch: one per commit
    rig.worker(FLOWDESK_KICK_LATCH_MS="600000")
    events = rig.wait_all_delivered(minimum=6)
    assert {e.entity_id for e in events if e.type == "lead.created"} == set(ids)
    assert rig.log_counts() == Counter({e.id: 1 for e in events})

    # the relay cleared the latch as it started: the next commit kicks again and is delivered
    wait_until(lambda: _queued_relays(redis_broker) == 0, 60, 0.1, "the queue to empty")
    later = _create_leads(api, ["After the relay"])[0]
    events = rig.wait_all_delivered(minimum=7)
    assert any(e.type == "lead.created" and e.entity_id == later for e in events)


def test_a_kick_that_cannot_be_sent_frees_the_latch(app, rig, redis_broker, monkeypatch):
    from extensions import celery

    def refuse(*_args, **_kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(celery, "send_task", refuse)
    with app.test_request_context():
        from transactions import kick

        with pytest.raises(ConnectionError):
            kick(RELAY_TASK)
        assert kick_latch.claim(RELAY_TASK)  # free again: the failed kick did not keep it


def test_an_unreachable_latch_lets_the_kick_through(app, caplog):
    from extensions import celery

    saved = celery.conf.broker_url
    celery.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with app.test_request_context():
            assert kick_latch.claim(RELAY_TASK)
    finally:
        celery.conf.broker_url = saved
    assert "could not be read" in caplog.text


def test_a_relay_that_stops_at_its_limit_kicks_again(app, monkeypatch):
    """What was coalesced into a relay that reached its limit is not left to the sweep."""
    import crm.tasks
    from crm.events import record_event

    kicks = []
    monkeypatch.setattr(crm.tasks, "kick", kicks.append)
    with app.app_context():
        for n in range(3):
            record_event("lead.updated", "lead", n + 1, {"title": ["a", "b"]}, actor=None)
        db.session.commit()
        assert crm.tasks.relay_outbox.run(limit=2) == 2 and kicks == [RELAY_TASK]
        assert crm.tasks.relay_outbox.run(limit=2) == 1 and kicks == [RELAY_TASK]
        assert db.session.query(OutboxEvent).filter(OutboxEvent.delivered_at.is_(None)).count() == 0


def test_a_backlog_kicks_one_more_relay_to_share_it(app, monkeypatch):
    """A full first batch sends one kick, so that another worker process joins the drain (its claim
    skips the events this relay holds); SQLite, one writer, does not."""
    import crm.relay_batch
    from crm.events import record_event, relay_pending

    kicks = []
    monkeypatch.setattr(crm.relay_batch, "kick", kicks.append)
    with app.app_context():
        size = app.config["OUTBOX_RELAY_BATCH"]
        for n in range(size + 5):
            record_event("lead.updated", "lead", n + 1, {"title": ["a", "b"]}, actor=None)
        db.session.commit()
        assert relay_pending(500) == size + 5
        assert kicks == ([RELAY_TASK] if db.engine.dialect.name == "postgresql" else [])
        kicks.clear()
        record_event("lead.updated", "lead", 1, {"title": ["b", "c"]}, actor=None)
        db.session.commit()
        assert relay_pending(500) == 1 and kicks == []  # no backlog, no second relay
