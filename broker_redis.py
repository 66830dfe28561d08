"""Redis broker: one client object per kombu channel instead of one per operation.

kombu's Redis channel builds a new `redis.Redis` client (about 0.1 ms of CPU: the response
callbacks and options are set up afresh) for every publish, and in a worker for every
delivered task's two bookkeeping pipelines of `task_acks_late` (noting the message unacked,
then acknowledging it): about 0.3 ms per instance on the path web -> relay (issue 19). The
client holds no connection of its own (it borrows one from the channel's pool per command),
so one client per channel and pool does the same; a channel whose pool was replaced (after a
fork, a reconnect) gets a new one. `install()` is called by extensions.py before any
connection is made.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_CACHED = "_flowdesk_client"


def install() -> None:
    """Make kombu's Redis channels reuse one client per pool."""
    from kombu.transport import redis as kombu_redis

    if getattr(kombu_redis.Channel.conn_or_acquire, "flowdesk", False):
        return
    kombu_redis.Channel.conn_or_acquire = _conn_or_acquire


@contextmanager
def _conn_or_acquire(self: object, client: object = None) -> Iterator[object]:
    """kombu's `Channel.conn_or_acquire`: the given client, else this channel's own."""
    if client:
        yield client
        return
    pool = self.pool
    cached = self.__dict__.get(_CACHED)
    if cached is None or cached.connection_pool is not pool:
        cached = self.__dict__[_CACHED] = self._create_client()
    yield cached


_conn_or_acquire.flowdesk = True
