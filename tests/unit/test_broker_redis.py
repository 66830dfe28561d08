"""broker_redis: one Redis client per kombu channel and pool; logs: Celery's per-task lines."""
import logging

from kombu.transport import redis as kombu_redis

import broker_redis
import logs


class FakeChannel:
    """What `conn_or_acquire` uses of kombu's channel: its pool and its client factory."""

    def __init__(self) -> None:
        self.pool, self.made = object(), 0

    def _create_client(self):
        self.made += 1
        client = type("Client", (), {})()
        client.connection_pool = self.pool
        return client


def test_kombu_channels_use_the_reusing_acquire():
    broker_redis.install()
    broker_redis.install()  # twice is once
    assert kombu_redis.Channel.conn_or_acquire is broker_redis._conn_or_acquire


def test_one_client_per_pool_and_a_given_client_passes_through():
    channel = FakeChannel()
    with broker_redis._conn_or_acquire(channel) as first, broker_redis._conn_or_acquire(channel) as second:
        assert first is second and channel.made == 1
    given = object()
    with broker_redis._conn_or_acquire(channel, given) as client:
        assert client is given and channel.made == 1
    channel.pool = object()  # a fork or a reconnect replaced the pool
    with broker_redis._conn_or_acquire(channel) as third:
        assert third is not first and third.connection_pool is channel.pool and channel.made == 2


def test_celerys_success_line_is_dropped_and_its_retry_line_kept():
    from celery.app.trace import LOG_RETRY, LOG_SUCCESS

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, msg, None, None)

    assert not logs._not_task_success(record(LOG_SUCCESS))
    assert logs._not_task_success(record(LOG_RETRY))
